"""Domain events. Other apps (transcoding, federation) listen; videos never calls them directly.

Each is sent from videos.services after the database transaction commits, with `video` as argument.
"""
from django.dispatch import Signal

video_uploaded = Signal()  # a new original is stored and waits for transcoding
video_published = Signal()  # the video became watchable
video_updated = Signal()  # an edit also sends `previous_privacy` (None: the privacy did not change)
video_deleted = Signal()  # sent with `video` (already deleted from the database) and `url`
# Sent after each of its videos' video_deleted, with the deleted `channel` / `account` (names still readable).
channel_deleted = Signal()
account_deleted = Signal()
