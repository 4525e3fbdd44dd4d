"""Whether a source's own streams can be a rendition as they are, instead of being re-encoded.

PeerTube copies ("quick transcode") an H.264 + AAC source that already fits the top rung. We copy
it too, but only when its picture also keeps the ladder's timing: a constant frame rate, and a
keyframe on every frame where the encoded rungs get one (every x264.GOP_SECONDS). Otherwise its HLS
segments would not start where the other rungs' do, so players could not switch rungs at segment
boundaries, and a variable frame rate gives the playlist wrong durations.
"""

from __future__ import annotations

import math
from pathlib import Path

from transcoding import x264
from transcoding.ladder import Rung
from transcoding.packets import video_packets
from videos.probe import MediaInfo

FRAME_TOLERANCE = 0.25  # how far (in frames) a timestamp may stray from the constant rate's grid


def can_copy_audio(info: MediaInfo) -> bool:
    """AAC that PeerTube would keep as is."""
    audio = info.audio
    return bool(audio and audio.codec == "aac" and audio.bit_rate and audio.bit_rate <= x264.AAC_COPY_LIMIT)


def can_copy_video(source: Path, info: MediaInfo, rung: Rung) -> bool:
    """Whether the source's picture can be `rung` as is.

    H.264 yuv420p of exactly the rung's size and rate, unrotated and progressive (browsers do not
    deinterlace), within PeerTube's maximum bitrate, with AAC audio it would keep (or none), and timed
    like the encoded rungs.
    """
    video, audio = info.video, info.audio
    if video is None or rung.resolution == 0:
        return False
    bitrate = video.bit_rate or info.bit_rate
    ratio = max(rung.width, rung.height) / rung.resolution
    return (
        video.codec == "h264"
        and video.pix_fmt == "yuv420p"
        and video.rotation == 0
        and not video.interlaced
        and (video.width, video.height) == (rung.width, rung.height)
        and abs(video.fps - rung.fps) < 0.01
        and bitrate is not None
        and bitrate <= x264.max_bitrate(rung.resolution, ratio, rung.fps)
        and (audio is None or can_copy_audio(info))
        and _keeps_ladder_timing(source, info, rung.fps)
    )


def _keeps_ladder_timing(source: Path, info: MediaInfo, fps: float) -> bool:
    """Constant `fps` from the start of the file, with a keyframe wherever the encoder forces one.

    The encoder forces a keyframe on the first frame at or after each multiple of GOP_SECONDS
    (counted from the start of the file, as ffmpeg shifts it to zero), so those frame numbers must
    be keyframes here; keyframes in between are harmless.
    """
    frames = video_packets(source)
    if not frames:
        return False
    frame = 1 / fps
    times = [time - info.start_time for time, _ in frames]
    on_grid = all(abs(time - index * frame) <= FRAME_TOLERANCE * frame for index, time in enumerate(times))
    forced = (math.ceil(k * x264.GOP_SECONDS * fps - 1e-6) for k in range(int(times[-1] // x264.GOP_SECONDS) + 1))
    return on_grid and all(frames[index][1] for index in forced if index < len(frames))
