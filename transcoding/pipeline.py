"""One transcode of one video: probe → plan → images → encode → publish, rung by rung.

Everything is made in a work folder outside the served media (a stale one left by a killed run is
wiped first), on this worker's own disk: when the video's files are in object storage the original is
downloaded into it, so a worker needs no disk shared with the web node (videos.storage). A finished rung
is placed under fresh random names (renamed into the public HLS folder, or uploaded to the bucket, where
an object appears whole or not at all), then the SHA-256 JSON and the master playlist are placed, one
file each, then the rows are switched (videos.services.publishing): a viewer sees either the previous
state or a complete new one, and files a killed run placed are named by no row (the next publication
deletes them).

A video not yet watchable gets its images first (a video shown before transcoding needs them), is
published as soon as its lowest rung is ready and gains the higher ones as they finish. An already published video (a re-run) keeps its current files until the whole new
ladder is ready, then switches at once; the old files are deleted after the switch.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings

from transcoding import hls, jobs
from transcoding.encoder import EncodeError, RungOutput, encode_ladder
from transcoding.ladder import Rung, plan_ladder
from transcoding.models import TranscodingJob
from transcoding.thumbnails import Images, make_images
from videos import storage
from videos.images import ImageError
from videos.models import Video
from videos.probe import MediaInfo, ProbeError, probe
from videos.services import publishing
from videos.storage import hls_file, image_files, random_filename, store_images

logger = logging.getLogger(__name__)

# Progress is written on whole-percent steps; the job's heartbeat at most this often.
HEARTBEAT_SECONDS = 15


def work_dir(video: Video) -> Path:
    """Where a run of this video writes, on the same disk as the media so publishing is a rename."""
    return Path(settings.UPLOAD_TMP_DIR) / "transcoding" / str(video.uuid)


# A work folder younger than this may belong to a run that has just claimed its job: never swept.
SWEEP_AFTER_SECONDS = 60


def sweep_work_folders(keep: Video) -> None:
    """Delete the work folders killed runs left on this machine (a worker with no shared disk keeps them
    otherwise, as the video may be transcoded elsewhere afterwards). A folder stays while a live process
    here runs its video's job."""
    root = work_dir(keep).parent
    folders = {}
    for folder in root.iterdir() if root.is_dir() else []:
        try:
            uuid.UUID(folder.name)
        except ValueError:
            continue
        if folder.name != str(keep.uuid) and time.time() - folder.stat().st_mtime > SWEEP_AFTER_SECONDS:
            folders[folder.name] = folder
    running = TranscodingJob.objects.filter(status=TranscodingJob.Status.RUNNING, video__uuid__in=list(folders))
    for job in running.select_related("video"):
        if jobs.runs_here(job):
            folders.pop(str(job.video.uuid), None)
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)


def source_path(video: Video) -> Path:
    """The original on the local disk (a video in object storage has it in its bucket instead)."""
    return storage.original_file(video).path


class ProgressRecorder:
    """Turns the encoder's frequent progress calls into a few database writes (and job heartbeats)."""

    def __init__(self, job: TranscodingJob):
        self.job = job
        self.percent = -1
        self.beat_at = 0.0

    def __call__(self, percent: float) -> None:
        whole = min(int(percent), 100)
        if whole > self.percent:
            self.percent = whole
            publishing.set_transcoding_progress(self.job.video, whole)
        now = time.monotonic()
        if now - self.beat_at >= HEARTBEAT_SECONDS:
            self.beat_at = now
            jobs.heartbeat(self.job)


class Release:
    """This run's renditions in the public HLS folder, listed by one master playlist of its own."""

    def __init__(self, video: Video, info: MediaInfo, images: Images | None, work: Path):
        self.video = video
        self.info = info
        self.images = images
        # The master playlist and the SHA-256 JSON are written here, then placed.
        self.staging = work / "publish"
        self.master_filename = random_filename("-master.m3u8")
        self.sha256_filename = random_filename("-segments-sha256.json")
        self.thumbnail_filename = self.preview_filename = ""
        self.files: list[publishing.HlsFile] = []
        self.hashes: dict[str, dict[str, str]] = {}
        self.names: dict[Rung, tuple[str, str]] = {}

    def rung_names(self, rung: Rung) -> tuple[str, str]:
        """PeerTube's names: one fresh uuid4 shared by a rung's playlist and its fragmented MP4 (same on every call)."""
        if rung not in self.names:
            stem = random_filename(f"-{rung.resolution}")
            self.names[rung] = f"{stem}.m3u8", f"{stem}-fragmented.mp4"
        return self.names[rung]

    def publish_rung(self, output: RungOutput) -> None:
        """on_rung_ready: make this rung watchable now, next to those already published."""
        self._place(output)
        self._publish()

    def publish_all(self, outputs: list[RungOutput]) -> None:
        """Place the rungs not published yet and publish the complete ladder."""
        placed = {hls_file.filename for hls_file in self.files}
        for output in outputs:
            if output.media.name not in placed:
                self._place(output)
        self._publish()

    def discard(self) -> None:
        """The video was deleted meanwhile: remove what this run placed."""
        images = image_files(self.thumbnail_filename, self.preview_filename)
        storage.remove(self.video, storage.hls_files_present(self.video) + images)

    def _place(self, output: RungOutput) -> None:
        playlist, media = output.playlist, output.media
        made = probe(media)
        audio_profile = _audio_profile(made)
        size = media.stat().st_size
        rate = hls.bandwidth(size, made.duration)
        codecs = hls.codecs(media, made.has_video, audio_profile)
        width, height = (made.video.display_width, made.video.display_height) if made.video else (None, None)
        fps = made.video.fps if made.video else 0
        self.hashes[media.name] = hls.segment_hashes(playlist, media)
        self.files.append(
            publishing.HlsFile(
                resolution=output.rung.resolution,
                width=width,
                height=height,
                fps=fps,
                size=size,
                bandwidth=rate,
                codecs=codecs,
                filename=media.name,
                playlist_filename=playlist.name,
                has_audio=made.has_audio,
                has_video=made.has_video,
                metadata=made.raw,
            )
        )
        storage.place(self.video, hls_file(self.video, media.name), media)
        storage.place(self.video, hls_file(self.video, playlist.name), playlist)

    def show_images(self) -> None:
        """Before the first rung of a video never published: its images, so that it can be shown at once."""
        self._place_images()
        if self.thumbnail_filename:
            publishing.show_images(self.video, self.thumbnail_filename, self.preview_filename)

    def _place_images(self) -> None:
        if self.images is None or self.thumbnail_filename:
            return
        self.thumbnail_filename, self.preview_filename = store_images(
            self.video, self.images.thumbnail, self.images.preview
        )

    def _publish(self) -> None:
        self._place_images()
        self.staging.mkdir(parents=True, exist_ok=True)
        hls.write_segments_sha256(self.staging / self.sha256_filename, self.hashes)
        storage.place(self.video, hls_file(self.video, self.sha256_filename), self.staging / self.sha256_filename)
        variants = [
            hls.Variant(f.playlist_filename, f.bandwidth, f.width, f.height, f.fps, f.codecs, f.has_video)
            for f in self.files
        ]
        hls.write_master(self.staging / self.master_filename, variants)
        storage.place(self.video, hls_file(self.video, self.master_filename), self.staging / self.master_filename)
        video_info = self.info.video
        publishing.publish_hls(
            self.video,
            publishing.HlsPublication(
                playlist_filename=self.master_filename,
                segments_sha256_filename=self.sha256_filename,
                files=list(self.files),
                duration=round(self.info.duration),
                aspect_ratio=video_info.aspect_ratio if video_info else None,
                thumbnail_filename=self.thumbnail_filename,
                preview_filename=self.preview_filename,
            ),
        )


def _audio_profile(info: MediaInfo) -> str | None:
    """ffprobe's profile of the AAC stream ("LC", "HE-AAC"), None when there is no audio."""
    if not info.has_audio:
        return None
    streams = info.raw.get("streams") or []
    return next((str(s.get("profile", "")) for s in streams if s.get("codec_type") == "audio"), "")


def run(job: TranscodingJob) -> None:
    """Transcode the job's video; a broken source ends the job (and a never-published video) failed."""
    video = job.video
    was_published = video.streaming_playlists.exists()
    if job.attempts > jobs.MAX_ATTEMPTS:
        _fail(job, video, f"The worker stopped {job.attempts - 1} times while transcoding this video.", was_published)
        return
    work = work_dir(video)
    shutil.rmtree(work, ignore_errors=True)  # left by a killed run
    work.mkdir(parents=True)
    sweep_work_folders(keep=video)
    try:
        _transcode(job, video, work, progressive=not was_published)
    except (ProbeError, EncodeError, ImageError) as error:
        _fail(job, video, str(error), was_published)
    except Exception as error:
        logger.exception("Transcoding job %s failed unexpectedly", job.pk)
        _fail(job, video, f"Unexpected error while transcoding: {error}", was_published)
        raise
    else:
        jobs.finish(job, TranscodingJob.Status.DONE)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _transcode(job: TranscodingJob, video: Video, work: Path, progressive: bool) -> None:
    source = storage.fetch(video, storage.original_file(video), work)
    info = probe(source)
    rungs = plan_ladder(info, settings.SIDEWAYS_TRANSCODING_RESOLUTIONS)
    release = Release(video, info, make_images(source, info, work), work)
    try:
        if progressive:
            release.show_images()
        outputs = encode_ladder(
            source,
            info,
            rungs,
            work / "hls",
            names=release.rung_names,
            on_progress=ProgressRecorder(job),
            on_rung_ready=release.publish_rung if progressive else None,
        )
        release.publish_all(outputs)
    except Video.DoesNotExist:
        logger.info("Video %s was deleted while it was transcoding", video.uuid)
        release.discard()
        return
    publishing.set_transcoding_progress(video, None)


def _fail(job: TranscodingJob, video: Video, reason: str, was_published: bool) -> None:
    """Record why; a video that was already watchable keeps its previous files and stays published."""
    jobs.finish(job, TranscodingJob.Status.FAILED, reason)
    if was_published:
        publishing.set_transcoding_progress(video, None)
    else:
        publishing.mark_failed(video, reason)
