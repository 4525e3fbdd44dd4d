"""PeerTube's redundancy admin API (`/api/v1/server/redundancy/...`, docs/redundancy.md): which followed
instances we may mirror, the copies made of videos (ours by peers, theirs by us), and a copy made or
dropped by hand. Administrators only; the copying itself is federation.outbound.mirroring's, in a worker task.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from federation.models import Follow
from federation.outbound.follows import instance_following
from federation.queueing import task
from videos.api.errors import ApiError
from videos.api.pagination import page_params, paginate
from videos.api.permissions import IsAdmin
from videos.api.views import ApiView
from videos.identifiers import parse_video_id
from videos.models import MirroredHost, Video, VideoRedundancy
from videos.queueing import queue_on_commit

TARGETS = ("my-videos", "remote-videos")
SORTS = {"name": "name"}


class AllowedBody(serializers.Serializer):
    redundancyAllowed = serializers.BooleanField()


class RedundancyHostView(ApiView):
    """PUT {"redundancyAllowed": bool}: whether we may mirror the videos of a followed instance."""

    permission_classes = [IsAdmin]

    def put(self, request: Request, host: str) -> Response:
        body = AllowedBody(data=request.data)
        body.is_valid(raise_exception=True)
        host = host.lower()
        if not instance_following().filter(target__host=host, state=Follow.State.ACCEPTED).exists():
            raise ApiError(404, f"We do not follow {host}.")
        if body.validated_data["redundancyAllowed"]:
            MirroredHost.objects.get_or_create(host=host)
        else:
            MirroredHost.objects.filter(host=host).delete()
            # Our copies of its videos go (files removed and each Undone by federation.outbound.mirroring).
            for mirror in VideoRedundancy.objects.filter(actor_url="", playlist__video__channel__host=host):
                mirror.delete()
        return Response(status=204)


def _copy(mirror: VideoRedundancy) -> dict:
    return {
        "id": mirror.pk,
        "fileUrl": mirror.base_url,
        "strategy": mirror.strategy or None,
        "createdAt": mirror.created_at,
        "updatedAt": mirror.updated_at,
        "expiresOn": mirror.expires_at,
        "size": mirror.size or None,
    }


def _video(video: Video, mine: bool) -> dict:
    copies = [
        mirror
        for playlist in video.streaming_playlists.all()
        for mirror in playlist.redundancies.all()
        if mine != mirror.is_ours
    ]
    return {
        "id": video.pk,
        "name": video.name,
        "url": video.url,
        "uuid": str(video.uuid),
        "redundancies": {"files": [], "streamingPlaylists": [_copy(mirror) for mirror in copies]},
    }


class VideoBody(serializers.Serializer):
    videoId = serializers.CharField(max_length=100)


class RedundancyVideosView(ApiView):
    """GET ?target=my-videos (our videos copied by peers) or remote-videos (our copies); POST {"videoId"}:
    copy a followed instance's video by hand."""

    permission_classes = [IsAdmin]

    def get(self, request: Request) -> Response:
        target = request.query_params.get("target")
        if target not in TARGETS:
            raise serializers.ValidationError({"target": [f"Should be one of {', '.join(TARGETS)}"]})
        start, count, ordering = page_params(request, SORTS)
        mine = target == "my-videos"
        copies = VideoRedundancy.objects.filter(playlist__video__is_local=mine)
        copies = copies.exclude(actor_url="") if mine else copies.filter(actor_url="")
        videos = Video.objects.filter(streaming_playlists__redundancies__in=copies).distinct()
        videos = videos.prefetch_related("streaming_playlists__redundancies").order_by(ordering or "-pk")
        total, page = paginate(videos, start, count)
        return Response({"total": total, "data": [_video(video, mine) for video in page]})

    def post(self, request: Request) -> Response:
        body = VideoBody(data=request.data)
        body.is_valid(raise_exception=True)
        lookup = parse_video_id(body.validated_data["videoId"])
        video = Video.objects.filter(**lookup).first() if lookup else None
        if video is None:
            raise ApiError(404, "Video not found.")
        if video.is_local:
            raise ApiError(400, "Cannot create a redundancy on a local video.")
        playlist = video.streaming_playlists.order_by("pk").first()
        if playlist is None:
            raise ApiError(400, "This video has no HLS playlist to copy.")
        if playlist.redundancies.filter(actor_url="").exists():
            raise ApiError(409, "This video is already duplicated by your instance.")
        queue_on_commit(task("mirror_video"), playlist.pk)
        return Response(status=204)


class RedundancyVideoView(ApiView):
    """DELETE: drop a copy (ours: files removed and the origin told; a peer's: no longer listed)."""

    permission_classes = [IsAdmin]

    def delete(self, request: Request, redundancy_id: int) -> Response:
        mirror = VideoRedundancy.objects.filter(pk=redundancy_id).first()
        if mirror is None:
            raise ApiError(404, "Video redundancy not found.")
        mirror.delete()
        return Response(status=204)
