from django.apps import AppConfig


class TranscodingConfig(AppConfig):
    name = "transcoding"
    default_auto_field = "django.db.models.BigAutoField"
