"""PeerTube's wire shapes (camelCase) built from our rows, and the input serializers of the API.

Output is built by plain functions over prefetched rows, so a page of videos costs a constant
number of SQL queries (see VIDEO_LIST_RELATED / VIDEO_DETAIL_PREFETCH in views).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from rest_framework import serializers

from videos.constants import (
    ACTOR_NAME_PATTERN,
    DESCRIPTION_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    HANDLE_NAME_MAX_LENGTH,
    VIDEO_CATEGORIES,
    VIDEO_DESCRIPTION_MAX_LENGTH,
    VIDEO_LANGUAGES,
    VIDEO_LICENCES,
    VIDEO_MAX_TAGS,
    VIDEO_NAME_LENGTH,
    VIDEO_SUPPORT_MAX_LENGTH,
    VIDEO_TAG_LENGTH,
    CommentsPolicy,
    UserRole,
    VideoPrivacy,
    VideoState,
)
from videos.links import comment_url
from videos.models import Account, Channel, Comment, User, Video, VideoFile
from videos.services.web_videos import tracker_urls
from videos.storage import absolute_url, file_url, media_path, playlist_url, rendition_playlist_url, segments_sha256_url

TRUNCATED_DESCRIPTION_LENGTH = 250


def _date(value: datetime.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _labelled(value, labels: dict) -> dict:
    return {"id": value, "label": str(labels.get(value, "Unknown")) if value is not None else "Unknown"}


def _choice(value: int, choices) -> dict:
    return {"id": value, "label": str(choices(value).label)}


def _actor_url(kind: str, obj: Account | Channel) -> str:
    return obj.url if not obj.is_local and obj.url else absolute_url(f"/{kind}/{obj.name}")


def _host(obj: Account | Channel) -> str:
    return obj.host or settings.INSTANCE_HOST


def account_summary(account: Account) -> dict:
    return {
        "id": account.pk,
        "name": account.name,
        "displayName": account.display_name,
        "url": _actor_url("accounts", account),
        "host": _host(account),
        "avatars": [],
    }


def channel_summary(channel: Channel) -> dict:
    return {
        "id": channel.pk,
        "name": channel.name,
        "displayName": channel.display_name,
        "url": _actor_url("video-channels", channel),
        "host": _host(channel),
        "avatars": [],
    }


def account_full(account: Account) -> dict:
    return {
        **account_summary(account),
        "followingCount": 0,
        "followersCount": account.followers_count,
        "createdAt": _date(account.created_at),
        "updatedAt": _date(account.updated_at),
        "description": account.description or None,
        "userId": account.user_id,
    }


def channel_full(channel: Channel, videos_count: int | None = None) -> dict:
    body = {
        **channel_summary(channel),
        "followingCount": 0,
        "followersCount": channel.followers_count,
        "createdAt": _date(channel.created_at),
        "updatedAt": _date(channel.updated_at),
        "description": channel.description or None,
        "support": channel.support or None,
        "isLocal": channel.is_local,
        "banners": [],
        "ownerAccount": account_full(channel.account),
    }
    if videos_count is not None:
        body["videosCount"] = videos_count
    return body


def _video_url(video: Video) -> str:
    return video.url if not video.is_local and video.url else absolute_url(f"/videos/watch/{video.uuid}")


def _truncate(text: str) -> str | None:
    if not text:
        return None
    return text if len(text) <= TRUNCATED_DESCRIPTION_LENGTH else text[: TRUNCATED_DESCRIPTION_LENGTH - 3] + "..."


def video_summary(video: Video) -> dict:
    """The `Video` list item of PeerTube (no files, no full description)."""
    return {
        "id": video.pk,
        "uuid": str(video.uuid),
        "shortUUID": video.short_uuid,
        "url": _video_url(video),
        "name": video.name,
        "category": _labelled(video.category, VIDEO_CATEGORIES),
        "licence": _labelled(video.licence, VIDEO_LICENCES),
        "language": {"id": video.language or None, "label": VIDEO_LANGUAGES.get(video.language, "Unknown")},
        "privacy": _choice(video.privacy, VideoPrivacy),
        "nsfw": video.nsfw,
        "truncatedDescription": _truncate(video.description),
        "description": _truncate(video.description),
        "isLocal": video.is_local,
        "duration": video.duration,
        "aspectRatio": video.aspect_ratio,
        "views": video.views,
        "viewers": 0,
        "likes": video.likes,
        "dislikes": video.dislikes,
        "comments": 0,
        "thumbnailPath": media_path("thumbnails", video.thumbnail_filename) if video.thumbnail_filename else None,
        "previewPath": media_path("previews", video.preview_filename) if video.preview_filename else None,
        "embedPath": f"/videos/embed/{video.short_uuid}",
        "createdAt": _date(video.created_at),
        "updatedAt": _date(video.updated_at),
        "publishedAt": _date(video.published_at or video.created_at),
        "originallyPublishedAt": _date(video.originally_published_at),
        "isLive": False,
        "account": account_summary(video.channel.account),
        "channel": channel_summary(video.channel),
    }


def _resolution(file: VideoFile) -> dict:
    return {"id": file.resolution, "label": f"{file.resolution}p" if file.resolution else "Audio"}


def _file_download_url(video: Video, file: VideoFile) -> str:
    """Ours, named by the video and resolution as PeerTube names them (videos.web.downloads serves them);
    a remote file is downloaded as it is played, through our proxy."""
    if not video.is_local:
        return absolute_url(file_url(file))
    name = f"{video.uuid}-{file.resolution}"
    extension = Path(file.filename).suffix
    if file.playlist_id is None:
        return absolute_url(f"/download/web-videos/{name}{extension}")
    return absolute_url(f"/download/streaming-playlists/hls/videos/{name}-fragmented{extension}")


def video_file(video: Video, file: VideoFile) -> dict:
    """A web-video file (playlist unset) or an HLS fragmented MP4 (playlist set)."""
    torrent_url = file.torrent_url or (
        absolute_url(media_path("torrents", file.torrent_filename)) if file.torrent_filename else None
    )
    body = {
        "id": file.pk,
        "resolution": _resolution(file),
        "size": file.size,
        "width": file.width,
        "height": file.height,
        "fps": file.fps,
        "torrentUrl": torrent_url,
        "torrentDownloadUrl": absolute_url(f"/download/torrents/{file.torrent_filename}")
        if file.torrent_filename
        else None,
        "fileUrl": absolute_url(file_url(file)),
        "fileDownloadUrl": _file_download_url(video, file),
        "metadataUrl": absolute_url(f"/api/v1/videos/{video.uuid}/metadata/{file.pk}"),
        "magnetUri": None,
        "hasAudio": file.has_audio,
        "hasVideo": file.has_video,
        "storage": 0 if video.is_local else None,
    }
    if file.playlist_id is not None and file.playlist_filename:
        body["playlistUrl"] = absolute_url(rendition_playlist_url(file))
    return body


def video_details(video: Video) -> dict:
    """PeerTube's VideoDetails: the list item plus full texts, files and streaming playlists."""
    playlists = []
    for playlist in video.streaming_playlists.all():
        playlists.append(
            {
                "id": playlist.pk,
                "type": playlist.type,
                "playlistUrl": absolute_url(playlist_url(playlist)),
                "segmentsSha256Url": absolute_url(segments_sha256_url(playlist)),
                "redundancies": [],
                "files": [
                    video_file(video, file) for file in sorted(playlist.files.all(), key=lambda f: -f.resolution)
                ],
            }
        )
    return {
        **video_summary(video),
        "description": video.description or None,
        "support": video.support or None,
        "channel": channel_full(video.channel),
        "account": account_full(video.channel.account),
        "tags": sorted(tag.name for tag in video.tags.all()),
        "commentsPolicy": _choice(video.comments_policy, CommentsPolicy),
        "commentsEnabled": video.comments_policy != CommentsPolicy.DISABLED,
        "downloadEnabled": video.download_enabled,
        "waitTranscoding": video.wait_transcoding,
        "state": _choice(video.state, VideoState),
        # Not in PeerTube: the encode's percentage while the worker transcodes, null otherwise.
        "transcodingProgress": video.transcoding_progress,
        "trackerUrls": tracker_urls(),
        "files": [video_file(video, file) for file in sorted(video.files.all(), key=lambda f: -f.resolution)],
        "streamingPlaylists": playlists,
        "inputFileUpdatedAt": None,
        "blacklisted": False,
        "blacklistedReason": None,
        "scheduledUpdate": None,
    }


def comment_body(comment: Comment) -> dict:
    """PeerTube's VideoComment; a tombstone shows neither text nor author. Reply counters come from
    videos.services.comments.comment_threads (0 on replies, as PeerTube counts them on roots only)."""
    return {
        "id": comment.pk,
        "url": comment_url(comment),
        "text": comment.text,
        "threadId": comment.thread_id or comment.pk,
        "inReplyToCommentId": comment.in_reply_to_id,
        "videoId": comment.video_id,
        "createdAt": _date(comment.created_at),
        "updatedAt": _date(comment.updated_at),
        "deletedAt": _date(comment.deleted_at),
        "heldForReview": False,
        "isDeleted": comment.is_deleted,
        "totalRepliesFromVideoAuthor": getattr(comment, "total_replies_from_video_author", 0),
        "totalReplies": getattr(comment, "total_replies", 0),
        "account": None if comment.is_deleted else account_full(comment.account),
    }


def user_body(user: User, quota_used: int, quota_used_daily: int) -> dict:
    """PeerTube's User (as in /users/me and the admin user list)."""
    account = user.account
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "pendingEmail": None,
        "emailVerified": True,
        "emailPublic": False,
        "nsfwPolicy": user.nsfw_policy,
        "adminFlags": 0,
        "autoPlayVideo": user.auto_play_video,
        "autoPlayNextVideo": False,
        "autoPlayNextVideoPlaylist": True,
        "p2pEnabled": user.p2p_enabled,
        "videosHistoryEnabled": True,
        "videoLanguages": None,
        "role": _choice(user.role, UserRole),
        "videoQuota": user.video_quota,
        "videoQuotaDaily": user.video_quota_daily,
        "videoQuotaUsed": quota_used,
        "videoQuotaUsedDaily": quota_used_daily,
        "theme": "instance-default",
        "account": account_full(account),
        "videoChannels": [channel_full(channel) for channel in account.channels.all().order_by("pk")],
        "notificationSettings": {},
        "blocked": not user.is_active,
        "blockedReason": None,
        "noInstanceConfigWarningModal": True,
        "noWelcomeModal": True,
        "noAccountSetupWarningModal": True,
        "createdAt": _date(user.date_joined),
        "pluginAuth": None,
        "lastLoginDate": _date(user.last_login),
        "twoFactorEnabled": False,
        "specialPlaylists": [],
    }


class VideoMetadataInput(serializers.Serializer):
    """Upload and update fields (PeerTube names); `partial` for PUT. Multipart booleans ("true", "1") parse."""

    name = serializers.CharField(min_length=VIDEO_NAME_LENGTH[0], max_length=VIDEO_NAME_LENGTH[1])
    channelId = serializers.IntegerField(min_value=1)
    privacy = serializers.ChoiceField(choices=VideoPrivacy.values, required=False)
    category = serializers.ChoiceField(choices=list(VIDEO_CATEGORIES), required=False, allow_null=True)
    licence = serializers.ChoiceField(choices=list(VIDEO_LICENCES), required=False, allow_null=True)
    language = serializers.ChoiceField(choices=list(VIDEO_LANGUAGES), required=False, allow_null=True)
    description = serializers.CharField(
        max_length=VIDEO_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, allow_null=True
    )
    support = serializers.CharField(
        max_length=VIDEO_SUPPORT_MAX_LENGTH, required=False, allow_blank=True, allow_null=True
    )
    nsfw = serializers.BooleanField(required=False)
    waitTranscoding = serializers.BooleanField(required=False)
    downloadEnabled = serializers.BooleanField(required=False)
    commentsPolicy = serializers.ChoiceField(choices=CommentsPolicy.values, required=False)
    commentsEnabled = serializers.BooleanField(required=False)
    originallyPublishedAt = serializers.DateTimeField(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(min_length=VIDEO_TAG_LENGTH[0], max_length=VIDEO_TAG_LENGTH[1]),
        max_length=VIDEO_MAX_TAGS,
        required=False,
    )


# Input field -> model/VideoMetadata attribute.
METADATA_FIELDS = {
    "name": "name",
    "privacy": "privacy",
    "category": "category",
    "licence": "licence",
    "language": "language",
    "description": "description",
    "support": "support",
    "nsfw": "nsfw",
    "waitTranscoding": "wait_transcoding",
    "downloadEnabled": "download_enabled",
    "commentsPolicy": "comments_policy",
    "originallyPublishedAt": "originally_published_at",
}


def metadata_values(data: dict) -> dict:
    """Validated camelCase input as snake_case attributes (empty strings for cleared text fields)."""
    values = {}
    for key, attribute in METADATA_FIELDS.items():
        if key in data:
            value = data[key]
            if attribute in ("description", "support", "language") and value is None:
                value = ""
            values[attribute] = value
    if "commentsEnabled" in data and "commentsPolicy" not in data:
        values["comments_policy"] = CommentsPolicy.ENABLED if data["commentsEnabled"] else CommentsPolicy.DISABLED
    return values


# Bytes, or -1 for unlimited (PeerTube's isUserVideoQuotaValid: an integer >= -1); at most what the
# BigInteger column holds, so an absurd quota is a 400 rather than a database overflow.
VIDEO_QUOTA_MAX = 2**63 - 1


def video_quota_field() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=-1, max_value=VIDEO_QUOTA_MAX, required=False)


class UserCreateInput(serializers.Serializer):
    username = serializers.RegexField(rf"^[a-z0-9._]{{1,{HANDLE_NAME_MAX_LENGTH}}}$")
    password = serializers.CharField(min_length=6, max_length=255)
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=UserRole.values)
    videoQuota = video_quota_field()
    videoQuotaDaily = video_quota_field()


class UserUpdateInput(serializers.Serializer):
    password = serializers.CharField(min_length=6, max_length=255, required=False)
    email = serializers.EmailField(required=False)
    role = serializers.ChoiceField(choices=UserRole.values, required=False)
    videoQuota = video_quota_field()
    videoQuotaDaily = video_quota_field()


class CommentInput(serializers.Serializer):
    """A comment or reply; emptiness after trimming and the length are the service's to judge."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class RatingInput(serializers.Serializer):
    rating = serializers.ChoiceField(choices=["like", "dislike", "none"])


class ChannelInput(serializers.Serializer):
    name = serializers.RegexField(ACTOR_NAME_PATTERN)
    displayName = serializers.CharField(min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, allow_null=True
    )
    support = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, allow_null=True
    )
