"""Local actors: the instance's Application actor, which signs server-to-server requests."""
from federation.ids import INSTANCE_ACTOR_NAME
from federation.models import Actor
from federation.signatures import generate_keypair


def ensure_instance_actor() -> Actor:
    actor = Actor.objects.filter(type=Actor.Type.APPLICATION, preferred_username=INSTANCE_ACTOR_NAME, host="").first()
    if actor is None:
        private_pem, public_pem = generate_keypair()
        actor = Actor.objects.create(
            type=Actor.Type.APPLICATION,
            preferred_username=INSTANCE_ACTOR_NAME,
            public_key_pem=public_pem,
            private_key_pem=private_pem,
        )
    return actor

