"""encode_ladder with the real ffmpeg on small generated clips, every output checked with ffprobe."""

import os
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.media import ffmpeg, ffprobe, make_clip
from transcoding.encoder import WHOLE, EncodeError, RungOutput, Slice, encode_ladder, time_slices
from transcoding.ladder import plan_ladder
from transcoding.thumbnails import make_images
from videos.probe import probe

RESOLUTIONS = [720, 480, 360, 240, 144]


def streams(path: Path) -> dict[str, dict]:
    data = ffprobe(path, "-show_streams", "-show_format")
    return {stream["codec_type"]: stream for stream in data["streams"]} | {"format": data["format"]}


def keyframe_times(path: Path) -> list[float]:
    packets = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-show_packets")
    return [round(float(p["pts_time"]), 2) for p in packets["packets"] if "K" in p["flags"]]


def keyframe_offsets(path: Path) -> list[float]:
    """Keyframe times from the first one (encoders delay a stream's start by its B-frames)."""
    times = keyframe_times(path)
    return [round(time - times[0], 2) for time in times]


def packet_sizes(path: Path) -> list[int]:
    packets = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=size", "-show_packets")
    return [int(packet["size"]) for packet in packets["packets"]]


def ffmpeg_processes(parent: int | None = None, mentioning: str = "") -> list[int]:
    """ffmpeg processes (of a given parent, or whose command line mentions some text)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        name, ppid = stat[stat.index("(") + 1 : stat.rindex(")")], int(stat[stat.rindex(")") + 2 :].split()[1])
        if name == "ffmpeg" and parent in (None, ppid) and mentioning in command_line:
            found.append(int(pid))
    return found


def rotate_mp4(path: Path) -> Path:
    """Give an MP4's first track the 90° display matrix phones write (ffmpeg 5.1 cannot set it)."""
    data = bytearray(path.read_bytes())
    box = data.find(b"tkhd")
    matrix = box + 44 + (12 if data[box + 4] == 1 else 0)
    data[matrix : matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path


def encode(source: Path, out_dir: Path, resolutions=RESOLUTIONS, **callbacks) -> list[RungOutput]:
    info = probe(source)
    return encode_ladder(source, info, plan_ladder(info, resolutions), out_dir, **callbacks)


@pytest.fixture(scope="module")
def webm_ladder(tmp_path_factory):
    """A 640x360 VP9/Opus clip encoded once for the tests that read its ladder."""
    folder = tmp_path_factory.mktemp("webm")
    source = make_clip(folder / "source.webm", width=640, height=360, duration=5)
    progress, ready = [], []
    outputs = encode(source, folder / "out", on_progress=progress.append, on_rung_ready=ready.append)
    return source, outputs, progress, ready


def test_every_rung_has_its_size_duration_and_audio(webm_ladder):
    source, outputs, _, _ = webm_ladder
    assert [(o.rung.width, o.rung.height) for o in outputs] == [(640, 360), (426, 240), (256, 144)]
    source_duration = probe(source).duration
    for output in outputs:
        found = streams(output.playlist)
        assert (found["video"]["width"], found["video"]["height"]) == (output.rung.width, output.rung.height)
        assert found["video"]["codec_name"] == "h264" and found["audio"]["codec_name"] == "aac"
        assert abs(float(found["format"]["duration"]) - source_duration) < 0.5


def test_playlists_are_single_file_fmp4_addressed_by_byte_ranges(webm_ladder):
    _, outputs, _, _ = webm_ladder
    for output in outputs:
        lines = output.playlist.read_text().splitlines()
        assert f'#EXT-X-MAP:URI="{output.media.name}",BYTERANGE=' in "\n".join(lines)
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines and lines[-1] == "#EXT-X-ENDLIST"
        assert any(line.startswith("#EXT-X-BYTERANGE:") for line in lines)
        assert {line for line in lines if not line.startswith("#")} == {output.media.name}
    assert sorted(path.name for path in outputs[0].playlist.parent.iterdir()) == sorted(
        name for o in outputs for name in (o.playlist.name, o.media.name)
    )


def test_keyframes_are_aligned_every_two_seconds(webm_ladder):
    _, outputs, _, _ = webm_ladder
    times = [keyframe_times(output.media) for output in outputs]
    assert keyframe_offsets(outputs[0].media) == [0.0, 2.0, 4.0]
    assert all(other == times[0] for other in times[1:])


def test_progress_is_monotonic_up_to_100_and_lowest_rung_is_ready_first(webm_ladder):
    _, outputs, progress, ready = webm_ladder
    assert progress == sorted(progress) and progress[-1] == 100
    assert [output.rung.resolution for output in ready] == [144, 240, 360]
    assert set(ready) == set(outputs)


def frame_times(path: Path) -> list[float]:
    packets = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-show_packets")
    return sorted(float(packet["pts_time"]) for packet in packets["packets"])


def ssim(output: Path, source: Path, width: int, height: int) -> float:
    """SSIM of a rendition against the source scaled to its size, frame by frame from the start."""
    graph = f"[1:v]scale={width}:{height},setpts=PTS-STARTPTS[ref];[0:v]setpts=PTS-STARTPTS[out];[out][ref]ssim"
    result = subprocess.run(
        ["ffmpeg", "-nostdin", "-i", str(output), "-i", str(source), "-filter_complex", graph, "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"All:([0-9.]+)", result.stderr)[1])


@pytest.fixture(scope="module")
def sliced_source(tmp_path_factory):
    """12 s of VP9 at 25 fps with a keyframe every 1.6 s: cuts land off the 2 s keyframe grid."""
    return make_clip(
        tmp_path_factory.mktemp("sliced") / "source.webm", width=640, height=360, duration=12, extra=["-g", "40"]
    )


def test_slices_are_cut_at_source_keyframes_near_equal_lengths(sliced_source, tmp_path):
    info = probe(sliced_source)
    # Times count from the start of the file's timeline, which Opus's pre-skip puts 7 ms early.
    halves = time_slices(sliced_source, info, 2)
    assert halves == [Slice(0.0, pytest.approx(6.407, abs=0.01)), Slice(pytest.approx(6.407, abs=0.01), None)]
    assert time_slices(sliced_source, info, 3) == WHOLE  # keyframes at 3.2 and 4.8 s: none near 4 s
    assert time_slices(sliced_source, info, 4) == WHOLE  # 3 s slices: shorter than worth a process
    assert time_slices(sliced_source, info, 1) == WHOLE
    single_keyframe = make_clip(tmp_path / "long-gop.mp4", duration=12, extra=["-g", "1000"])
    assert time_slices(single_keyframe, probe(single_keyframe), 2) == WHOLE


def test_a_ladder_encoded_in_slices_side_by_side_is_seamless(sliced_source, tmp_path):
    """Every rung has every frame once, in order, at its time; keyframes at the cut and aligned."""
    progress, ready = [], []
    outputs = encode(sliced_source, tmp_path / "out", on_progress=progress.append, on_rung_ready=ready.append, slices=2)
    assert [output.rung.resolution for output in ready] == [144, 240, 360]
    assert progress == sorted(progress) and progress[-1] == 100
    source_times = frame_times(sliced_source)
    for output in outputs:
        times = frame_times(output.media)
        assert len(times) == len(source_times) == 300
        steps = {round(later - earlier, 3) for earlier, later in zip(times, times[1:], strict=False)}
        assert steps == {0.04}
        assert "audio" in streams(output.playlist)
    assert keyframe_offsets(outputs[0].media) == [0.0, 2.0, 4.0, 6.0, 6.4, 8.4, 10.4]
    assert len({tuple(keyframe_times(output.media)) for output in outputs}) == 1
    assert ssim(outputs[0].media, sliced_source, 640, 360) > 0.95


def test_source_without_audio_gives_renditions_without_audio(tmp_path):
    outputs = encode(make_clip(tmp_path / "silent.mkv", audio=False), tmp_path / "out")
    assert [o.rung.resolution for o in outputs] == [240, 144]
    assert all("audio" not in streams(output.playlist) for output in outputs)


def test_audio_only_source_gives_one_aac_rung(tmp_path):
    outputs = encode(make_clip(tmp_path / "sound.webm", video=False), tmp_path / "out")
    assert [o.rung.resolution for o in outputs] == [0]
    found = streams(outputs[0].playlist)
    assert "video" not in found and found["audio"]["codec_name"] == "aac"


def test_aac_in_mpeg_ts_is_kept_as_is(tmp_path):
    """A camera's or recorder's MPEG-TS: its AAC (in ADTS frames) is copied into every rung."""
    source = make_clip(tmp_path / "camera.ts", extra=["-c:a", "aac", "-b:a", "128k"])
    outputs = encode(source, tmp_path / "out")
    source_audio = streams(source)["audio"]
    for output in outputs:
        audio = streams(output.playlist)["audio"]
        assert (audio["codec_name"], audio["sample_rate"]) == ("aac", source_audio["sample_rate"])
        assert abs(float(streams(output.playlist)["format"]["duration"]) - probe(source).duration) < 0.5


def test_rotated_phone_video_becomes_portrait(tmp_path):
    source = rotate_mp4(make_clip(tmp_path / "phone.mp4", width=320, height=240))
    outputs = encode(source, tmp_path / "out")
    found = streams(outputs[0].playlist)["video"]
    assert (found["width"], found["height"]) == (240, 320) == (outputs[0].rung.width, outputs[0].rung.height)


def combed_frames(path: Path) -> int:
    """How many frames ffmpeg's interlace detector finds interlaced (combed) in a video."""
    result = subprocess.run(
        ["ffmpeg", "-nostdin", "-i", str(path), "-map", "0:v:0", "-vf", "idet", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Multi frame detection: TFF: *(\d+) BFF: *(\d+)", result.stderr)
    return int(found[1]) + int(found[2])


def test_interlaced_anamorphic_tv_recording_becomes_progressive_with_square_pixels(tmp_path):
    """MPEG-2 in MPEG-TS, 50 fields a second, 720x576 with 16:15 pixels (4:3 PAL): rungs and images are
    progressive and 4:3."""
    source = make_clip(
        tmp_path / "tv.ts",
        width=720,
        height=576,
        fps=50,
        extra=["-vf", "interlace,setsar=16/15", "-c:v", "mpeg2video", "-b:v", "6M", "-flags", "+ilme+ildct"],
    )
    info = probe(source)
    assert info.video.interlaced and (info.video.display_width, info.video.display_height) == (768, 576)
    assert combed_frames(source) > 50
    outputs = encode(source, tmp_path / "out", resolutions=[720, 480])
    for output in outputs:
        found = streams(output.media)["video"]
        assert found["sample_aspect_ratio"] == "1:1" and found["width"] * 3 == found["height"] * 4
        assert combed_frames(output.media) < 5
    images = make_images(source, info, tmp_path)
    assert streams(images.preview)["video"]["sample_aspect_ratio"] == "1:1"


def test_avi_at_60_fps_keeps_60_on_top_and_30_below(tmp_path):
    outputs = encode(make_clip(tmp_path / "fast.avi", width=426, height=240, fps=60, duration=2), tmp_path / "out")
    rates = [streams(output.playlist)["video"]["r_frame_rate"] for output in outputs]
    assert rates == ["60/1", "30/1"]


def test_compliant_source_top_rung_is_stream_copied(tmp_path):
    source = make_clip(
        tmp_path / "ready.mp4", width=426, height=240, extra=["-maxrate", "200k", "-bufsize", "400k", "-g", "50"]
    )
    outputs = encode(source, tmp_path / "out")
    assert [o.rung.resolution for o in outputs] == [240, 144]
    assert packet_sizes(outputs[0].media) == packet_sizes(source)
    assert packet_sizes(outputs[1].media) != packet_sizes(source)
    assert keyframe_offsets(outputs[0].media) == keyframe_offsets(outputs[1].media)


@pytest.mark.parametrize(
    "name, timing",
    [
        ("long-gop.mp4", ["-g", "250"]),  # x264's default: one keyframe in 5 s
        ("variable-rate.mkv", ["-vf", "setpts='if(lt(N,25),N/25,1+(N-25)/10)/TB'", "-fps_mode", "vfr"]),
        ("interlaced.mp4", ["-g", "50", "-flags", "+ilme+ildct"]),
    ],
)
def test_compliant_source_off_the_ladder_timing_is_encoded(tmp_path, name, timing):
    """Copied, its segments would not line up with the other rungs' (or have wrong durations, or combing)."""
    source = make_clip(
        tmp_path / name,
        width=426,
        height=240,
        duration=5,
        audio=False,
        extra=["-maxrate", "200k", "-bufsize", "400k", *timing],
    )
    outputs = encode(source, tmp_path / "out")
    assert packet_sizes(outputs[0].media) != packet_sizes(source)
    assert keyframe_offsets(outputs[0].media) == keyframe_offsets(outputs[1].media)
    for output in outputs:
        assert abs(float(streams(output.playlist)["format"]["duration"]) - probe(source).duration) < 0.5


def x264_settings(media: Path) -> dict[str, str]:
    """The settings x264 writes into the stream it encodes ("options: ... bframes=3 ...")."""
    text = media.read_bytes().decode("latin-1")
    options = text[text.index("options: ") + 9 :].split("\x00")[0]
    return dict(item.split("=", 1) for item in options.split() if "=" in item)


def test_hd_rungs_use_the_faster_settings_and_sd_rungs_peertubes(tmp_path):
    source = make_clip(tmp_path / "hd.mp4", width=1280, height=720, duration=1)
    hd, sd = (x264_settings(output.media) for output in encode(source, tmp_path / "out", resolutions=[720, 360]))
    assert (hd["bframes"], hd["subme"]) == ("3", "1")
    assert (sd["bframes"], sd["subme"]) == ("16", "2")
    assert hd["keyint"] == sd["keyint"] == "50" and hd["scenecut"] == sd["scenecut"] == "0"


def test_custom_names_and_a_mov_source(tmp_path):
    source = make_clip(tmp_path / "small.mov", duration=1)
    outputs = encode(
        source, tmp_path / "out", names=lambda rung: (f"x-{rung.resolution}.m3u8", f"x-{rung.resolution}-f.mp4")
    )
    assert [(o.playlist.name, o.media.name) for o in outputs] == [
        ("x-240.m3u8", "x-240-f.mp4"),
        ("x-144.m3u8", "x-144-f.mp4"),
    ]
    assert 'URI="x-144-f.mp4"' in outputs[1].playlist.read_text()


def test_broken_input_raises_a_readable_error_and_leaves_no_ffmpeg(tmp_path):
    source = make_clip(tmp_path / "good.mp4", duration=1)
    info = probe(source)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(EncodeError, match="ffmpeg could not encode the video: .+"):
        encode_ladder(broken, info, plan_ladder(info, RESOLUTIONS), tmp_path / "out")
    assert ffmpeg_processes(parent=os.getpid()) == []


def test_an_exception_in_a_callback_kills_the_encoders(tmp_path):
    source = make_clip(tmp_path / "long.webm", width=640, height=360, duration=20)

    def interrupt(percent: float) -> None:
        if percent > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        encode(source, tmp_path / "out", on_progress=interrupt)
    assert ffmpeg_processes(parent=os.getpid()) == []


def test_a_killed_worker_takes_its_encoders_with_it(tmp_path):
    source = make_clip(tmp_path / "long.webm", width=640, height=360, duration=20)
    script = (
        "import sys; from pathlib import Path; from transcoding.encoder import encode_ladder; "
        "from transcoding.ladder import plan_ladder; from videos.probe import probe; "
        "source = Path(sys.argv[1]); info = probe(source); "
        f"encode_ladder(source, info, plan_ladder(info, {RESOLUTIONS!r}), Path(sys.argv[2]))"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script, str(source), str(tmp_path / "out")], cwd=Path(__file__).resolve().parents[2]
    )
    deadline = time.monotonic() + 20
    while not ffmpeg_processes(mentioning=str(source)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ffmpeg_processes(mentioning=str(source))
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 5
    while ffmpeg_processes(mentioning=str(source)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ffmpeg_processes(mentioning=str(source)) == []


def test_audio_starting_late_stays_in_sync_in_every_rung(tmp_path):
    """Every rung gets the audio encoded once and joined to its picture: all must place it identically."""
    source = tmp_path / "late.mkv"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-itsoffset", "0.5", "-f", "lavfi", "-i", "sine"),
        *("-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libopus", str(source)),
    )
    outputs = encode(source, tmp_path / "out")
    starts = {(streams(o.media)["video"]["start_time"], streams(o.media)["audio"]["start_time"]) for o in outputs}
    assert len(outputs) == 2 and len(starts) == 1
