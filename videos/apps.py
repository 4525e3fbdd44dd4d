import sys

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


def _bootstrap(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """`migrate` leaves a usable instance, whatever runs it: the root admin exists afterwards."""
    from videos.services.accounts import ensure_root_admin

    ensure_root_admin(settings.SIDEWAYS_ROOT_PASSWORD, sys.stdout)


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from videos.services.catalog_version import connect_receivers

        post_migrate.connect(_bootstrap, sender=self)
        connect_receivers()
