import uuid

from videos.identifiers import from_short_uuid, parse_video_id, to_short_uuid


def test_short_uuid_round_trip_and_shape():
    for _ in range(200):
        value = uuid.uuid4()
        short = to_short_uuid(value)
        assert len(short) == 22
        assert from_short_uuid(short) == value


def test_short_uuid_known_values():
    assert to_short_uuid(uuid.UUID(int=0)) == "1" * 22
    assert to_short_uuid(uuid.UUID(int=57)) == "1" * 21 + "Z"
    assert to_short_uuid(uuid.UUID(int=58)) == "1" * 20 + "21"


def test_parse_video_id_accepts_the_three_forms():
    value = uuid.uuid4()
    assert parse_video_id("42") == {"pk": 42}
    assert parse_video_id(str(value)) == {"uuid": value}
    assert parse_video_id(to_short_uuid(value)) == {"uuid": value}
    assert parse_video_id("not-an-id!") is None
    assert parse_video_id("0OIl") is None  # letters outside the base58 alphabet
