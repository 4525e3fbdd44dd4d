"""The instance as PeerTube's clients read it: /config, /config/about and the enumerations (categories...).

The two documents are built by plain functions from the settings and the admin's instance settings, so the
views stay one line and the same facts as the about page and NodeInfo are served.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.response import Response

from videos.api.views import ApiView
from videos.constants import IMAGE_MAX_SIZE, UPLOAD_EXTENSIONS
from videos.models import InstanceSettings

SERVER_VERSION = "7.0.0"  # the PeerTube version whose API we speak; clients check features against it


def server_config() -> dict:
    """`GET /config`: what clients need before they upload or list (PeerTube's ServerConfig)."""
    about = InstanceSettings.current()
    return {
        "serverVersion": SERVER_VERSION,
        "serverCommit": None,
        "instance": {
            "name": settings.INSTANCE_NAME,
            "shortDescription": about.short_description,
            "isNSFW": False,
            "defaultNSFWPolicy": "blur",
            "defaultClientRoute": "/videos/trending",
            "avatars": [],
            "banners": [],
        },
        "signup": {
            "allowed": False,
            "allowedForCurrentIP": False,
            "requiresEmailVerification": False,
            "requiresApproval": False,
            "minimumAge": 16,
        },
        "transcoding": {
            "hls": {"enabled": True},
            "web_videos": {"enabled": False},
            "enabledResolutions": sorted(settings.SIDEWAYS_TRANSCODING_RESOLUTIONS),
            "profile": "default",
            "availableProfiles": ["default"],
            "remoteRunners": {"enabled": False},
        },
        "live": {"enabled": False},
        "import": {"videos": {"http": {"enabled": False}, "torrent": {"enabled": False}}},
        "video": {
            "image": {"extensions": [".png", ".jpg", ".jpeg", ".webp"], "size": {"max": IMAGE_MAX_SIZE}},
            "file": {"extensions": UPLOAD_EXTENSIONS},
        },
        "user": {
            "videoQuota": settings.SIDEWAYS_DEFAULT_VIDEO_QUOTA,
            "videoQuotaDaily": -1,
        },
        "videoChannels": {"maxPerUser": 20},
        "trending": {
            "videos": {"intervalDays": 7, "algorithms": {"enabled": ["most-viewed"], "default": "most-viewed"}}
        },
        "tracker": {"enabled": settings.SIDEWAYS_P2P_ENABLED},
        "webrtc": {"stunServers": settings.SIDEWAYS_STUN_URLS},
        "client": {"videos": {"resumableUpload": {"maxChunkSize": None}}},
        "defaults": {
            "publish": {"downloadEnabled": True, "commentsPolicy": 1, "privacy": 1, "licence": None},
            "p2p": {
                "webapp": {"enabled": settings.SIDEWAYS_P2P_ENABLED},
                "embed": {"enabled": settings.SIDEWAYS_P2P_ENABLED},
            },
        },
        "search": {
            "remoteUri": {"users": False, "anonymous": False},
            "searchIndex": {"enabled": False, "url": "", "disableLocalSearch": False, "isDefaultSearch": False},
        },
        "email": {"enabled": False},
        "contactForm": {"enabled": False},
        "views": {"videos": {"watchingInterval": {"anonymous": 5000, "users": 5000}}},
    }


def about_instance() -> dict:
    """`GET /config/about`: what the about page says (PeerTube's About), from the admin's instance settings."""
    about = InstanceSettings.current()
    return {
        "instance": {
            "name": settings.INSTANCE_NAME,
            "shortDescription": about.short_description,
            "description": about.description,
            "terms": "",
            "codeOfConduct": "",
            "hardwareInformation": "",
            "creationReason": "",
            "moderationInformation": "",
            "administrator": "",
            "maintenanceLifetime": "",
            "businessModel": "",
            "languages": [],
            "categories": [],
            "avatars": [],
            "banners": [],
        }
    }


class ConfigView(ApiView):
    def get(self, request: Request) -> Response:
        return Response(server_config())


class ConfigAboutView(ApiView):
    def get(self, request: Request) -> Response:
        return Response(about_instance())


def _labels(labels: dict) -> dict:
    return {str(key): str(label) for key, label in labels.items()}


class EnumerationView(ApiView):
    """`GET /videos/categories|licences|languages|privacies` → {"<id>": "<label>"}."""

    labels: dict = {}

    def get(self, request: Request) -> Response:
        return Response(_labels(self.labels))
