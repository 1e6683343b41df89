"""The one NinjaAPI of /api/v1/: every endpoint module adds its router here,
and its OpenAPI document is generated from them."""

from ninja import NinjaAPI

from api import personal, problems, public
from api.limits import ApiLimit

api = NinjaAPI(
    title="Paperfeed API",
    version="1",
    description="The daily arXiv papers, search, and a reader's own feed and "
    "feedback. See docs/api.md.",
    urls_namespace="api",
    throttle=ApiLimit(),
)
problems.register(api)
api.add_router("/", public.router)
api.add_router("/me/", personal.router)
