"""Videos with a real 2-rung HLS ladder on a live instance (published, or still "transcoding"), for the browser tests.

The ladder is made with ffmpeg the way PeerTube lays it out (one single-file fragmented MP4 per rung,
addressed by byte ranges, random file names, a master playlist), independently of the transcoding
pipeline, so player tests only depend on the player.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.live import LiveInstance
from tests.media import ffmpeg, make_clip, peertube_hls_output, still_frame

RUNGS = (360, 240)

CREATE_VIDEO = """
import json
from django.utils import timezone
from videos.models import Channel, Video
spec = json.loads(SPEC)
video = Video.objects.create(
    channel=Channel.objects.get(name="root_channel"), name=spec["name"], description=spec["description"],
    state=spec["state"], transcoding_progress=spec["progress"], duration=spec["duration"], privacy=spec["privacy"],
    published_at=timezone.now(), preview_filename=spec["preview"], thumbnail_filename=spec["preview"],
    uuid=spec["uuid"],
)
video.refresh_from_db()
print(video.short_uuid)
"""

# What the pipeline does as rungs finish: register them (again), publish, tell how far it is.
PUBLISH_LADDER = """
import json
from videos.constants import VideoState
from videos.models import StreamingPlaylist, Video, VideoFile
spec = json.loads(SPEC)
video = Video.objects.get(uuid=spec["uuid"])
playlist, _ = StreamingPlaylist.objects.get_or_create(video=video, playlist_filename=spec["master"])
for rung in spec["rungs"]:
    VideoFile.objects.update_or_create(playlist=playlist, filename=rung["filename"], defaults=rung)
Video.objects.filter(pk=video.pk).update(state=VideoState.PUBLISHED, transcoding_progress=spec["progress"])
"""
SET_PROGRESS = """
import json
from videos.models import Video
spec = json.loads(SPEC)
Video.objects.filter(uuid=spec["uuid"]).update(transcoding_progress=spec["progress"])
"""
STATE_TO_TRANSCODE = 2
PRIVACY_PUBLIC = 1


@dataclass
class LadderVideo:
    uuid: str
    short_uuid: str
    name: str
    spec: dict
    folder: Path

    @property
    def watch_path(self) -> str:
        return f"/w/{self.short_uuid}"

    @property
    def embed_path(self) -> str:
        return f"/videos/embed/{self.short_uuid}"


def encode_rung(clip: Path, folder: Path, height: int) -> dict:
    """One rung as PeerTube writes it: `<uuid4>-<res>-fragmented.mp4` plus its `<uuid4>-<res>.m3u8`."""
    stem = f"{uuid.uuid4()}-{height}"
    ffmpeg(
        *("-i", str(clip), "-vf", f"scale=-2:{height}"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k"),
        *peertube_hls_output(2, f"{stem}-fragmented.mp4", f"{stem}.m3u8"),
        cwd=folder,
    )
    fragmented = folder / f"{stem}-fragmented.mp4"
    width = height * 16 // 9
    return {
        "resolution": height,
        "width": width,
        "height": height,
        "fps": 25,
        "size": fragmented.stat().st_size,
        "filename": fragmented.name,
        "playlist_filename": f"{stem}.m3u8",
        "bandwidth": fragmented.stat().st_size * 8 // 12 + 1,
    }


def _run(instance: LiveInstance, code: str, spec: dict) -> str:
    return instance.manage("shell", "-c", code.replace("SPEC", repr(json.dumps(spec)))).stdout


def add_ladder_video(
    instance: LiveInstance,
    workdir: Path,
    *,
    name: str = "Ladder <test> & co",
    published: bool = True,
    progress: int | None = None,
    privacy: int = PRIVACY_PUBLIC,
) -> LadderVideo:
    """Encodes a 12 s clip into two rungs in the instance's media folder and registers the video.

    With `published=False` the video is left "to transcode" at `progress` percent; `publish` publishes it.
    """
    video_uuid = str(uuid.uuid4())
    clip = make_clip(workdir / f"{video_uuid}.mp4", width=640, height=360, duration=12)
    folder = instance.data_dir / "media" / "streaming-playlists" / "hls" / video_uuid
    folder.mkdir(parents=True)
    rungs = [encode_rung(clip, folder, height) for height in RUNGS]
    preview = f"{uuid.uuid4()}.jpg"
    previews = instance.data_dir / "media" / "previews"
    previews.mkdir(parents=True, exist_ok=True)
    still_frame(clip, previews / preview, size="850:480")
    spec = {
        "name": name,
        "description": 'A <b>bold</b> & "quoted" description.',
        "duration": 12,
        "uuid": video_uuid,
        "master": f"{uuid.uuid4()}-master.m3u8",
        "preview": preview,
        "rungs": rungs,
        "state": STATE_TO_TRANSCODE,
        "progress": progress,
        "privacy": privacy,
    }
    short_uuid = _run(instance, CREATE_VIDEO, spec).strip().splitlines()[-1]
    video = LadderVideo(uuid=video_uuid, short_uuid=short_uuid, name=name, spec=spec, folder=folder)
    if published:
        publish(instance, video)
    return video


def master_playlist(rungs: list[dict]) -> str:
    """The HLS master playlist listing these rungs (as `encode_rung` describes them)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6"]
    for rung in rungs:
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung['bandwidth']},RESOLUTION={rung['width']}x{rung['height']}",
            rung["playlist_filename"],
        ]
    return "\n".join(lines) + "\n"


def publish(
    instance: LiveInstance, video: LadderVideo, heights: tuple[int, ...] = RUNGS, progress: int | None = None
) -> None:
    """Publishes the rungs of these heights (the master playlist lists them), `progress` % into the transcode."""
    rungs = [rung for rung in video.spec["rungs"] if rung["resolution"] in heights]
    (video.folder / video.spec["master"]).write_text(master_playlist(rungs))
    _run(instance, PUBLISH_LADDER, {**video.spec, "rungs": rungs, "progress": progress})


def set_progress(instance: LiveInstance, video: LadderVideo, percent: int) -> None:
    _run(instance, SET_PROGRESS, {**video.spec, "progress": percent})
