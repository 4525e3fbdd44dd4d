"""How peers find us: WebFinger (handles to actor ids), NodeInfo and host-meta (docs/PROTOCOL.md §3.7, §3.8).

A PeerTube admin who follows "our.host" makes their instance read /.well-known/nodeinfo for the
FEP-2677 Application link (our instance actor), falling back to WebFinger `acct:peertube@our.host`;
Mastodon and others resolve `@name@our.host` through WebFinger. NodeInfo names the software honestly
("sidewaystube"): peers following us need only the Application link, and indexers read the rest.
"""

from __future__ import annotations

import datetime
from importlib.metadata import version

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from federation.actors.local import account_actor_named, actor_url, channel_actor_named
from federation.models import Actor
from federation.objects.video import federated_videos
from federation.protocol import ids
from videos.identifiers import handle_lookup
from videos.models import InstanceSettings, User
from videos.responses import cross_origin_json, open_to_any_origin

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.0"
SOFTWARE_NAME = "sidewaystube"


def _error(message: str, status: int) -> HttpResponse:
    return cross_origin_json({"error": message}, status=status)


def _local_actor(name: str) -> tuple[str, str] | None:
    """(actor id, profile page path) of our account, channel or instance actor named `name`."""
    actor = account_actor_named(name) or channel_actor_named(name)
    if actor is None:
        return None
    page = {Actor.Type.APPLICATION: "/about", Actor.Type.PERSON: f"/a/{name}", Actor.Type.GROUP: f"/c/{name}"}
    return actor_url(actor), page[actor.type]


@require_safe
def webfinger(request: HttpRequest) -> HttpResponse:
    """`?resource=acct:<name>@<our host>` → the actor's id; 400 when the resource is not such a handle."""
    resource = request.GET.get("resource", "")
    handle = resource.removeprefix("acct:")
    if handle == resource or handle.count("@") != 1 or handle.startswith("@") or handle.endswith("@"):
        return _error("resource must be acct:<name>@<host>.", 400)
    lookup = handle_lookup(handle)
    name = lookup["name"]
    found = _local_actor(name) if lookup["host"] == "" else None
    if found is None:
        return _error(f"No actor {handle} on this instance.", 404)
    actor_id, page = found
    document = {
        "subject": f"acct:{name}@{ids.host()}",
        "aliases": [actor_id],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f"{ids.site()}{page}"},
        ],
    }
    return cross_origin_json(document, "application/jrd+json; charset=utf-8")


@require_safe
def nodeinfo_links(request: HttpRequest) -> HttpResponse:
    return cross_origin_json(
        {
            "links": [
                {"rel": NODEINFO_SCHEMA, "href": f"{ids.site()}/nodeinfo/2.0.json"},
                # FEP-2677: how a PeerTube finds the actor to follow when its admin gives only our host.
                {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": ids.instance_actor_url()},
            ]
        }
    )


def _active_users(days: int) -> int:
    return User.objects.filter(last_login__gte=timezone.now() - datetime.timedelta(days=days)).count()


@require_safe
def nodeinfo(request: HttpRequest) -> HttpResponse:
    """NodeInfo 2.0: what software we are, our protocols and a few counts, for indexers and peers."""
    about = InstanceSettings.current()
    document = {
        "version": "2.0",
        "software": {"name": SOFTWARE_NAME, "version": version("sideways-tube")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0", "rss2.0"]},
        "openRegistrations": False,
        "usage": {
            "users": {
                "total": User.objects.count(),
                "activeMonth": _active_users(30),
                "activeHalfyear": _active_users(180),
            },
            "localPosts": federated_videos().count(),
            "localComments": 0,
        },
        "metadata": {
            "taxonomy": {"postsName": "Videos"},
            "nodeName": settings.INSTANCE_NAME,
            "nodeDescription": about.short_description,
        },
    }
    return cross_origin_json(document, f'application/json; profile="{NODEINFO_SCHEMA}#"')


@require_safe
def host_meta(request: HttpRequest) -> HttpResponse:
    """The older XRD discovery some clients still try before WebFinger."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/xrd+xml" template="{ids.site()}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return open_to_any_origin(HttpResponse(xml, content_type="application/xrd+xml; charset=utf-8"))
