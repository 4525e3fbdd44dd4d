"""Reading inbound JSON-LD without a processor: the normalising helpers and the hostile-keyword check."""

import pytest

from federation.protocol import ld
from tests.federation.peertube_rules import captured


def test_context_is_peertubes_and_a_copy():
    video_context = ld.context("Video")
    assert video_context[:3] == captured("lemmy-captured/peertube/video.json")["@context"][:3]
    assert video_context[3]["commentsEnabled"] == {"@type": "sc:Boolean", "@id": "pt:commentsEnabled"}
    video_context[3]["views"] = "changed"
    assert ld.context("Video")[3]["views"] != "changed"


def test_id_of_and_as_list():
    assert ld.id_of("https://a.example/x") == "https://a.example/x"
    assert ld.id_of({"id": "https://a.example/x", "type": "Person"}) == "https://a.example/x"
    assert ld.id_of({"type": "Person"}) is None and ld.id_of(42) is None
    assert ld.as_list(None) == [] and ld.as_list("a") == ["a"] and ld.as_list(["a", "b"]) == ["a", "b"]


@pytest.mark.parametrize(
    "payload, hostile",
    [
        ({"type": "Follow", "object": {"id": "x"}}, False),
        ({"@graph": []}, True),
        ({"object": {"@reverse": {}}}, True),
        ({"to": [{"@included": []}]}, True),
        (captured("lemmy-captured/peertube/video.json"), False),
    ],
)
def test_is_hostile(payload, hostile):
    assert ld.is_hostile(payload) is hostile
