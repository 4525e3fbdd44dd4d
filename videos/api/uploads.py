"""Uploads: the one-request multipart upload and node-uploadx's resumable protocol, as PeerTube serves them."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from rest_framework import parsers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from videos import resumable
from videos.api.errors import ApiError
from videos.api.serializers import VideoMetadataInput, metadata_values
from videos.api.video_fields import metadata_payload, own_channel, owner_images
from videos.api.views import AuthenticatedView, request_body
from videos.identifiers import ascii_number
from videos.models import Channel, User, Video
from videos.services.editing import set_chosen_images
from videos.services.uploads import (
    UploadRejected,
    VideoMetadata,
    accept_upload,
    check_upload_allowed,
    keep_uploaded_file,
    temp_upload_path,
)


def validated_upload(user: User, payload: dict) -> tuple[Channel, VideoMetadata]:
    """Check the upload fields (PeerTube's names and bounds) and the target channel.

    An API upload publishes its web video at once unless it asks for `waitTranscoding`: PeerTube's default
    (the upload page, for people, waits by default)."""
    data = VideoMetadataInput(data=payload)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    channel = own_channel(user, values["channelId"])
    metadata = VideoMetadata(**{"wait_transcoding": False, **metadata_values(values)}, tags=values.get("tags", []))
    return channel, metadata


def _accept(user: User, channel: Channel, metadata: VideoMetadata, temp_path: Path, filename: str) -> dict:
    try:
        video = accept_upload(
            user=user, channel=channel, metadata=metadata, temp_path=temp_path, original_filename=filename
        )
    except UploadRejected as error:
        raise ApiError(error.status, error.message, error.code) from error
    return {"id": video.pk, "uuid": str(video.uuid), "shortUUID": video.short_uuid}


def _check_size(user: User, size: int) -> None:
    try:
        check_upload_allowed(user, size)
    except UploadRejected as error:
        raise ApiError(error.status, error.message, error.code) from error


class LegacyUploadView(AuthenticatedView):
    """`POST /videos/upload`: the multipart upload peertube-cli uses; the file is spooled to disk."""

    parser_classes = [parsers.MultiPartParser]

    def post(self, request: Request) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.SIDEWAYS_MAX_UPLOAD_SIZE:
            _check_size(request.user, declared)
        upload = request.FILES.get("videofile")
        if upload is None:
            raise ValidationError({"videofile": ["Should have a file"]})
        channel, metadata = validated_upload(request.user, metadata_payload(request_body(request)))
        _check_size(request.user, upload.size)
        with owner_images(request) as images:
            temp_path = keep_uploaded_file(upload)
            created = _accept(request.user, channel, metadata, temp_path, upload.name)
            if images:
                set_chosen_images(Video.objects.get(pk=created["id"]), *images)
        return Response({"video": created})


_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+)$")
MAX_FILENAME = 1000  # PeerTube's limit on an upload's file name


class ChunkParser(parsers.BaseParser):
    """Accepts octet-stream chunks without reading them: the view streams request.stream to disk.

    (Token authentication touches request.POST, which would otherwise answer 415 for this type.)
    """

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return {}


class ResumableUploadView(AuthenticatedView):
    """node-uploadx as PeerTube speaks it: POST starts, PUT sends chunks or probes, DELETE cancels."""

    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser, ChunkParser]

    def post(self, request: Request) -> Response:
        size = ascii_number(request.META.get("HTTP_X_UPLOAD_CONTENT_LENGTH", ""))
        if size is None:
            raise ValidationError({"X-Upload-Content-Length": ["Should be the total size in bytes"]})
        _check_size(request.user, size)
        payload = metadata_payload(request_body(request))
        filename = payload.pop("filename", None)
        if not isinstance(filename, str) or not filename.strip() or len(filename) > MAX_FILENAME:
            raise ValidationError({"filename": [f"Should have a file name of at most {MAX_FILENAME} characters"]})
        channel, _metadata = validated_upload(request.user, payload)
        with owner_images(request) as images:
            session = resumable.create_session(
                user_id=request.user.pk,
                channel_id=channel.pk,
                filename=filename,
                size=size,
                payload=payload,
                images=images,
            )
        response = Response(status=201)
        response["Location"] = f"//{settings.INSTANCE_HOST}/api/v1/videos/upload-resumable?upload_id={session.id}"
        return response

    def _session(self, request: Request) -> resumable.UploadSession:
        session = resumable.load_session(request.query_params.get("upload_id", ""))
        if session is None or session.user_id != request.user.pk:
            raise NotFound("Upload not found")
        return session

    def put(self, request: Request) -> HttpResponse | Response:
        session = self._session(request)
        if session.video is not None:
            return Response({"video": session.video})
        match = _CONTENT_RANGE.match(request.META.get("HTTP_CONTENT_RANGE", ""))
        if match is None or int(match.group(3)) != session.size:
            raise ValidationError(
                {"Content-Range": [f"Should be bytes first-last/{session.size} or bytes */{session.size}"]}
            )
        if match.group(1) is not None:
            first, last = int(match.group(1)), int(match.group(2))
            if last < first or last >= session.size:
                raise ValidationError({"Content-Range": ["Invalid byte range"]})
            try:
                resumable.append_chunk(session, first, request.stream or io.BytesIO(), last - first + 1)
            except resumable.RangeMismatch as error:
                raise ApiError(409, str(error)) from error
        stored = session.stored_bytes()
        if stored < session.size:
            response = HttpResponse(status=308)
            if stored:
                response["Range"] = f"bytes=0-{stored - 1}"
            return response
        with resumable.completion_lock(session) as current:
            if current is None:
                raise NotFound("Upload not found")
            if current.video is None:
                current.video = self._complete(request, current)
        return Response({"video": current.video})

    def _complete(self, request: Request, session: resumable.UploadSession) -> dict:
        """Accept the whole file as a video, with the pictures the first request sent, if any. Its
        `.part` stays (hard-linked to the file accepted) until the video exists, so a chunk resent
        meanwhile meets a full file (409) instead of a fresh one."""
        temp_path = temp_upload_path()
        os.link(session.part_path, temp_path)
        try:
            channel, metadata = validated_upload(request.user, session.payload)
            video = _accept(request.user, channel, metadata, temp_path, session.filename)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            resumable.delete_session(session)
            raise
        thumbnail, preview = session.images
        if thumbnail.exists():
            set_chosen_images(Video.objects.get(pk=video["id"]), thumbnail, preview)
        session.video = video
        session.save()
        session.part_path.unlink()
        return video

    def delete(self, request: Request) -> Response:
        resumable.delete_session(self._session(request))
        return Response(status=204)
