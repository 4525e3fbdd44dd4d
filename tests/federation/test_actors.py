"""Local actors are made once, with their key pair, even when two requests race to make them."""

import importlib

import pytest
from django.apps import apps

from federation.actors import local as actors
from federation.models import Actor
from federation.protocol.signatures import generate_keypair
from videos.models import Account, RetiredHandle
from videos.services.accounts import local_handle_taken

pytestmark = pytest.mark.django_db


def test_actor_of_an_account_and_its_channel_are_made_once(user):
    channel = user.account.channels.get()
    person = actors.local_actor_for_account(user.account)
    group = actors.local_actor_for_channel(channel)
    assert (person.type, person.preferred_username, person.is_local) == ("Person", "alice", True)
    assert (group.type, group.preferred_username) == ("Group", "alice_channel")
    assert actors.local_actor_for_account(user.account).pk == person.pk
    assert actors.local_actor_for_channel(channel).pk == group.pk
    assert person.private_key_pem and person.public_key_pem != group.public_key_pem


def test_losing_a_creation_race_returns_the_winners_actor(user, monkeypatch):
    """Another request creates the actor while this one generates its key pair: both get that row."""
    winner = {}

    def keypair_while_another_request_wins():
        private_pem, public_pem = generate_keypair()
        winner["actor"] = Actor.objects.create(
            type=Actor.Type.PERSON,
            preferred_username="alice",
            account=user.account,
            public_key_pem=public_pem,
            private_key_pem=private_pem,
        )
        return generate_keypair()

    monkeypatch.setattr(actors, "generate_keypair", keypair_while_another_request_wins)
    actor = actors.local_actor_for_account(user.account)
    assert actor.pk == winner["actor"].pk
    assert actor.public_key_pem == winner["actor"].public_key_pem
    assert Actor.objects.filter(account=user.account).count() == 1


def test_remote_accounts_get_no_local_actor(db):
    remote = Account.objects.create(name="bob", display_name="Bob", host="peer.example.net")
    with pytest.raises(ValueError, match="remote account"):
        actors.local_actor_for_account(remote)
    assert not Actor.objects.filter(account=remote).exists()


def test_names_of_actors_orphaned_before_names_were_retired_are_retired_by_the_migration(user):
    migration = importlib.import_module("federation.migrations.0008_retire_orphan_actor_names")
    actors.local_actor_for_account(user.account)
    actors.local_actor_for_channel(user.account.channels.get())
    user.delete()  # as before RetiredHandle: the actors stay, ownerless, and no name is retired
    Actor.objects.create(
        type=Actor.Type.PERSON,
        preferred_username="carol",
        host="peer.example.net",
        public_key_pem=generate_keypair()[1],
    )
    assert not local_handle_taken("alice")
    for _ in range(2):  # a second run finds them retired already
        migration.retire_orphan_actor_names(apps, None)
    assert sorted(RetiredHandle.objects.values_list("name", flat=True)) == ["alice", "alice_channel"]
    assert local_handle_taken("alice") and not local_handle_taken("carol")
