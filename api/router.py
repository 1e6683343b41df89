"""The one NinjaAPI of /api/v1/: every endpoint module adds its router here,
and its OpenAPI document is generated from them."""

from ninja import NinjaAPI

from api import public

api = NinjaAPI(
    title="Paperfeed API",
    version="1",
    description="The daily arXiv papers, search, and a reader's own feed and "
    "feedback. See docs/api.md.",
    urls_namespace="api",
)
api.add_router("/", public.router)
