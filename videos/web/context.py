"""Values every page's header and footer need, computed once per request."""

from django.conf import settings
from django.http import HttpRequest

from videos.services.uploads import may_upload


def site(request: HttpRequest) -> dict:
    """The instance name, whether to show the upload link, and the current search words."""
    return {
        "instance_name": settings.INSTANCE_NAME,
        "may_upload": may_upload(request.user),
        "search_query": request.GET.get("search", ""),
    }
