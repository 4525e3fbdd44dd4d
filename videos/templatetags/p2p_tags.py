"""What the player needs to share a video with other viewers (videos.services.p2p says when it may)."""

import json

from django import template
from django.conf import settings

from videos.models import StreamingPlaylist
from videos.services.p2p import p2p_allowed, swarm_id

register = template.Library()


@register.simple_tag
def p2p_options(playlist: StreamingPlaylist | str) -> dict[str, str]:
    """Swarm id and STUN servers for the player; empty when this video is not shared
    (or has no HLS playlist yet: the template's `first` of none is "")."""
    if not playlist or not p2p_allowed(playlist.video):
        return {}
    return {
        "swarm": swarm_id(playlist),
        "stun": json.dumps(settings.SIDEWAYS_STUN_URLS),
    }
