"""The catalogue's version: one token in the shared cache that changes whenever something an anonymous
viewer's page or API answer shows has changed (a video, its files, tags, channel, account, comments,
ratings, the instance settings).

Cached anonymous responses (sideways.response_cache) are stored under the version read *before* they
were computed, so a change that commits meanwhile leaves them under a version nobody asks for again:
the next request after any change is answered from the database. Each bump is a fresh random token
(not a counter), so two processes bumping at once can never land on the same value.

The receivers here only bump, after the transaction commits; they decide nothing. With the shared cache
down a bump is only logged (the change itself is committed): the response cache then answers uncached
and forgets what it kept, and cached totals are counted again.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from videos.models import (
    Account,
    Channel,
    Comment,
    InstanceSettings,
    Rating,
    StreamingPlaylist,
    Tag,
    Video,
    VideoFile,
)
from videos.signals import comment_deleted

logger = logging.getLogger(__name__)

KEY = "catalog-version"
# What public pages and the anonymous API show; a save or delete of any of them bumps the version.
SHOWN_MODELS = (Video, VideoFile, StreamingPlaylist, Tag, Channel, Account, Comment, Rating, InstanceSettings)


def current() -> str:
    """The version now (a new one is made the first time)."""
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(KEY)
    return version


def bump() -> None:
    try:
        cache.set(KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the shared cache is down: never fail the change that bumped
        logger.warning("Could not bump the catalogue's version", exc_info=True)


def bump_after_commit() -> None:
    """Bump once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(bump)


def _changed(**kwargs: object) -> None:
    bump_after_commit()


def connect_receivers() -> None:
    """Called from VideosConfig.ready: model saves and deletes, tag changes, comment tombstones (an update)."""
    for model in SHOWN_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-version-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-version-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Video.tags.through, dispatch_uid="catalog-version-tags")
    comment_deleted.connect(_changed, dispatch_uid="catalog-version-comment-deleted")
