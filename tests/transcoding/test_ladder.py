"""Ladder planning: pure functions of a probe result, so plain MediaInfo values are enough here."""

from transcoding.ladder import Rung, plan_ladder
from videos.probe import AudioStream, MediaInfo, VideoStream

DEFAULT = [1080, 720, 480, 360, 240]


def media(
    width=1920, height=1080, fps=30.0, rotation=0, bit_rate=None, audio=True, video=True, sample_aspect=1.0
) -> MediaInfo:
    return MediaInfo(
        duration=10.0,
        format_name="mov,mp4",
        size=None,
        bit_rate=None,
        video=VideoStream(
            "h264", width, height, fps, "yuv420p", bit_rate=bit_rate, rotation=rotation, sample_aspect=sample_aspect
        )
        if video
        else None,
        audio=AudioStream("aac", bit_rate=128_000, channels=2) if audio else None,
    )


def sizes(rungs: list[Rung]) -> list[tuple[int, int, int]]:
    return [(rung.resolution, rung.width, rung.height) for rung in rungs]


def test_landscape_1080p_gets_every_rung_highest_first():
    assert sizes(plan_ladder(media(), DEFAULT)) == [
        (1080, 1920, 1080),
        (720, 1280, 720),
        (480, 854, 480),
        (360, 640, 360),
        (240, 426, 240),
    ]


def test_portrait_keeps_its_short_side_as_resolution():
    assert sizes(plan_ladder(media(1080, 1920), [1080, 720]))[:2] == [(1080, 1080, 1920), (720, 720, 1280)]


def test_rotation_metadata_makes_a_phone_video_portrait():
    assert sizes(plan_ladder(media(1920, 1080, rotation=90), [720])) == [(720, 720, 1280)]


def test_anamorphic_pixels_are_made_square():
    """A 16:9 PAL DVD is 720x576 with pixels 64:45 wide: shown 1024x576."""
    assert sizes(plan_ladder(media(720, 576, sample_aspect=64 / 45), [720, 480])) == [(576, 1024, 576), (480, 854, 480)]


def test_square():
    assert sizes(plan_ladder(media(720, 720), DEFAULT)) == [
        (720, 720, 720),
        (480, 480, 480),
        (360, 360, 360),
        (240, 240, 240),
    ]


def test_odd_sizes_are_rounded_to_even_without_growing():
    rungs = plan_ladder(media(1281, 721), [720, 240])
    assert sizes(rungs) == [(720, 1280, 720), (240, 426, 240)]
    assert all(rung.width % 2 == 0 and rung.height % 2 == 0 for rung in rungs)


def test_halves_round_up_like_ffmpeg_scale():
    assert sizes(plan_ladder(media(854, 480), [480, 240])) == [(480, 854, 480), (240, 428, 240)]


def test_never_upscales_and_skips_the_source_size_above_the_top_rung():
    assert [rung.resolution for rung in plan_ladder(media(3840, 2160), [1080, 720])] == [1080, 720]
    assert [rung.resolution for rung in plan_ladder(media(1280, 720), DEFAULT)] == [720, 480, 360, 240]


def test_source_resolution_between_rungs_is_kept():
    assert sizes(plan_ladder(media(1000, 562), DEFAULT)) == [
        (562, 1000, 562),
        (480, 854, 480),
        (360, 640, 360),
        (240, 428, 240),
    ]


def test_tiny_source_gets_its_own_resolution_only():
    assert sizes(plan_ladder(media(160, 120), DEFAULT)) == [(120, 160, 120)]


def test_60_fps_is_kept_from_720p_up_and_halved_below():
    assert [rung.fps for rung in plan_ladder(media(fps=60), DEFAULT)] == [60, 60, 30, 30, 30]


def test_fps_caps():
    assert [rung.fps for rung in plan_ladder(media(fps=50), [1080, 360])] == [50, 25]
    assert [rung.fps for rung in plan_ladder(media(fps=120), [1080, 360])] == [60, 30]
    assert plan_ladder(media(1280, 720, fps=0), [720])[0].fps == 30


def test_small_source_at_60_fps_keeps_it_on_its_own_rung():
    assert [(rung.resolution, rung.fps) for rung in plan_ladder(media(854, 480, fps=60), [480, 240])] == [
        (480, 60),
        (240, 30),
    ]


def test_bitrate_follows_peertube_bits_per_pixel_table():
    rungs = plan_ladder(media(), [1080, 240])
    assert rungs[0].bitrate == 6_220_800  # 1920x1080 x 30 fps x 0.10
    assert rungs[1].bitrate == 522_240  # 426.67x240 x 30 fps x 0.17 (ratio of the source, not the rounded size)


def test_bitrate_is_capped_by_the_input_plus_30_percent_and_floored():
    assert plan_ladder(media(bit_rate=1_000_000), [1080])[0].bitrate == 1_300_000
    assert plan_ladder(media(bit_rate=10_000), [1080])[0].bitrate == 1_244_160  # 0.02 bpp floor


def test_audio_only_gives_a_single_audio_rung():
    assert plan_ladder(media(video=False), DEFAULT) == [Rung(0, 0, 0, 0, 128_000)]
