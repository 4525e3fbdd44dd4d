"""The PeerTube HLS files around the renditions, on plain files: byte ranges, hashes, master, codecs."""

import hashlib
from pathlib import Path

import pytest

from tests.media import ffmpeg
from transcoding import hls

RUNG_PLAYLIST = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="a-240-fragmented.mp4",BYTERANGE="20@0"
#EXTINF:4.000000,
#EXT-X-BYTERANGE:30@20
a-240-fragmented.mp4
#EXTINF:4.000000,
#EXT-X-BYTERANGE:25
a-240-fragmented.mp4
#EXTINF:1.000000,
#EXT-X-BYTERANGE:5@75
a-240-fragmented.mp4
#EXT-X-ENDLIST
"""


def test_segment_ranges_follow_on_when_the_offset_is_left_out(tmp_path):
    playlist = tmp_path / "a-240.m3u8"
    playlist.write_text(RUNG_PLAYLIST)
    assert hls.segment_ranges(playlist) == [(20, 30), (50, 25), (75, 5)]


def test_segment_hashes_use_inclusive_ranges_of_the_media_bytes(tmp_path):
    playlist = tmp_path / "a-240.m3u8"
    playlist.write_text(RUNG_PLAYLIST)
    media = tmp_path / "a-240-fragmented.mp4"
    data = bytes(range(80))
    media.write_bytes(data)
    assert hls.segment_hashes(playlist, media) == {
        "20-49": hashlib.sha256(data[20:50]).hexdigest(),
        "50-74": hashlib.sha256(data[50:75]).hexdigest(),
        "75-79": hashlib.sha256(data[75:80]).hexdigest(),
    }


def test_master_playlist_lists_video_rungs_highest_first():
    variants = [
        hls.Variant("b-144.m3u8", 150_000, 256, 144, 25, "avc1.64000c,mp4a.40.2", True),
        hls.Variant("c-720.m3u8", 2_000_001, 1280, 720, 29.97, "avc1.64001f,mp4a.40.2", True),
        hls.Variant("d-0.m3u8", 64_000, None, None, 0, "mp4a.40.2", False),
    ]
    assert hls.master_playlist(variants) == (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=2000001,RESOLUTION=1280x720,FRAME-RATE=29.970,CODECS="avc1.64001f,mp4a.40.2"\n'
        "c-720.m3u8\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=150000,RESOLUTION=256x144,FRAME-RATE=25.000,CODECS="avc1.64000c,mp4a.40.2"\n'
        "b-144.m3u8\n"
    )


def test_audio_only_rung_is_listed_when_it_is_alone():
    variants = [hls.Variant("d-0.m3u8", 64_000, None, None, 0, "mp4a.40.2", False)]
    assert hls.master_playlist(variants).splitlines()[2:] == [
        '#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS="mp4a.40.2"',
        "d-0.m3u8",
    ]


def test_bandwidth_is_the_average_rounded_up():
    assert hls.bandwidth(1000, 3.0) == 2667
    assert hls.bandwidth(1000, 0) == 0


@pytest.mark.parametrize(
    ("profile", "expected"), [("baseline", "avc1.42c0"), ("main", "avc1.4d40"), ("high", "avc1.6400")]
)
def test_codecs_read_the_h264_profile_and_level_from_the_file(tmp_path: Path, profile, expected):
    media = tmp_path / "clip.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "0.2"),
        *("-c:v", "libx264", "-profile:v", profile, "-level", "3.0", "-pix_fmt", "yuv420p", str(media)),
    )
    assert hls.codecs(media, True, "LC") == f"{expected}1e,mp4a.40.2"
    assert hls.codecs(media, True, None) == f"{expected}1e"
    assert hls.codecs(media, False, "HE-AAC") == "mp4a.40.5"


def test_files_are_replaced_in_one_rename(tmp_path):
    folder = tmp_path / "hls"
    folder.mkdir()
    target = folder / "x-master.m3u8"
    target.write_text("old")
    hls.write_master(target, [hls.Variant("a.m3u8", 1, 2, 2, 1, "avc1.640000", True)])
    assert target.read_text().startswith("#EXTM3U") and [p.name for p in folder.iterdir()] == ["x-master.m3u8"]
