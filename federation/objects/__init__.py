"""The ActivityPub documents of our own objects (actors, videos, collections), built as plain dicts."""
