"""The signed-in reader's pages, a module per page: For you and its status
line (feed), the buttons of a card (feedback), the library and its exports,
the interests page, onboarding, the settings (account) and where a digest's
signed links lead (digest_links)."""

from accounts.models import User
from web.http import HtmxRequest


class ReaderRequest(HtmxRequest):
    """A request of a signed-in reader (the views say so with login_required)."""

    user: User
