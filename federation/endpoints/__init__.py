"""The HTTP entry points of federation: ActivityPub documents, WebFinger/NodeInfo, the inboxes, the
following API and admin pages, the media proxy, and their URL maps."""
