"""The ffmpeg pipeline that turns an original upload into PeerTube's HLS layout. No HTTP, no federation."""

from django.apps import AppConfig


class TranscodingConfig(AppConfig):
    name = "transcoding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from transcoding import receivers

        receivers.connect()
