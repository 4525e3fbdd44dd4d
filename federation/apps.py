from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _bootstrap(sender: AppConfig, **kwargs) -> None:
    """`migrate` leaves the instance actor, with its key pair, in place."""
    from federation.actors.local import ensure_instance_actor

    ensure_instance_actor()


class FederationConfig(AppConfig):
    name = "federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect the receivers that federate, and register the tasks the services queue by name.
        from federation import tasks  # noqa: F401
        from federation.outbound import interactions, outbox  # noqa: F401

        post_migrate.connect(_bootstrap, sender=self)
