"""PeerTube's encoder settings, so our renditions match its quality and size (docs/PROTOCOL.md §4.3).

PeerTube caps every rendition with a bits-per-pixel budget: the average table gives the x264
maxrate (bufsize is twice it), the max table decides whether a source is already good enough to
be stream-copied, and the min table is a floor so tiny inputs still get a sane cap.
"""

from __future__ import annotations

# Short side of the picture -> bits per pixel per frame. A resolution between two rows uses the
# next lower row (a 900p picture is priced like 720p).
AVERAGE_BPP = {2160: 0.08, 1440: 0.09, 1080: 0.10, 720: 0.11, 480: 0.12, 360: 0.15, 240: 0.17, 144: 0.19}
MAX_BPP = {2160: 0.14, 1440: 0.16, 1080: 0.17, 720: 0.19, 480: 0.22, 360: 0.26, 240: 0.29, 144: 0.32}
MIN_BPP = 0.02
FALLBACK_BITRATE = 192_000  # below 144p the tables have no row

PRESET = "veryfast"
CRF = 23  # x264's own default, which PeerTube relies on by not passing -crf
GOP_SECONDS = 2

# Cheaper analysis than PeerTube's veryfast. Measured one rung at a time, one thread, on the
# benchmark's clip (benchmarks/transcode.py), each change at PeerTube's SSIM to within 0.002:
# - every rung: diamond motion search and no inter sub-partitions (as x264's superfast preset, but
#   keeping veryfast's macroblock tree): 10 to 20 % less CPU, 2 % fewer bytes from 720p up;
# - from 480p up, the cheapest sub-pixel search: 40 % less CPU on 480p, 12 % more bytes there;
# - from 720p up, where x264 spends most of a ladder's time, three B-frames instead of sixteen.
# x264's CPU time for the 1080p to 360p rungs goes from about 50 s (PeerTube's settings) to about 22 s.
FAST_ANALYSIS = ["-motion-est", "dia", "-partitions", "i8x8,i4x4"]
FAST_SUBPEL_MIN_RESOLUTION = 480
FAST_SUBPEL = ["-subq", "1"]
HD_MIN_RESOLUTION = 720
HD_B_FRAMES = ["-bf", "3"]
PEERTUBE_B_FRAMES = ["-bf", "16"]
AAC_COPY_LIMIT = 384_000  # PeerTube keeps an AAC track as is up to this bitrate


def _pixels_per_second(resolution: int, ratio: float, fps: float) -> float:
    return resolution * resolution * ratio * fps


def _table_bitrate(table: dict[int, float], resolution: int, ratio: float, fps: float) -> int:
    row = next((r for r in sorted(table, reverse=True) if r <= resolution), None)
    if row is None:
        return FALLBACK_BITRATE
    return int(_pixels_per_second(resolution, ratio, fps) * table[row])


def target_bitrate(resolution: int, ratio: float, fps: float, input_bitrate: int | None) -> int:
    """The maxrate of a rendition: the average budget, lowered to the input's bitrate + 30 %, floored.

    `ratio` is the long side over the short side of the picture.
    """
    budget = _table_bitrate(AVERAGE_BPP, resolution, ratio, fps)
    if input_bitrate:
        budget = min(budget, int(input_bitrate * 1.3))
    return max(budget, int(_pixels_per_second(resolution, ratio, fps) * MIN_BPP))


def max_bitrate(resolution: int, ratio: float, fps: float) -> int:
    """Above this a source must be re-encoded even if its codec and size already fit."""
    return _table_bitrate(MAX_BPP, resolution, ratio, fps)


def audio_bitrate(codec: str, bitrate: int | None) -> int:
    """The bitrate PeerTube gives an audio track: AAC kept up to 384k, others by source bitrate."""
    if not bitrate:
        return 256_000
    if codec == "aac" and bitrate <= AAC_COPY_LIMIT:
        return bitrate
    if bitrate <= 192_000:
        return 128_000
    if bitrate <= AAC_COPY_LIMIT:
        return 256_000
    return AAC_COPY_LIMIT


def video_options(resolution: int, fps: float, bitrate: int, threads: int) -> list[str]:
    """libx264 output options for the single video stream of one rendition's output.

    Keyframes are forced every GOP_SECONDS by time and scene cuts are off, so renditions with
    different frame rates still cut their HLS segments at the same timestamps. `resolution` picks
    the analysis settings of the rung.
    """
    gop = max(round(fps * GOP_SECONDS), 1)
    return [
        "-c:v",
        "libx264",
        "-preset",
        PRESET,
        "-crf",
        str(CRF),
        "-maxrate",
        str(bitrate),
        "-bufsize",
        str(2 * bitrate),
        "-b_strategy",
        "1",
        *(HD_B_FRAMES if resolution >= HD_MIN_RESOLUTION else PEERTUBE_B_FRAMES),
        *FAST_ANALYSIS,
        *(FAST_SUBPEL if resolution >= FAST_SUBPEL_MIN_RESOLUTION else []),
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{GOP_SECONDS})",
        "-pix_fmt",
        "yuv420p",
        "-threads",
        str(threads),
    ]
