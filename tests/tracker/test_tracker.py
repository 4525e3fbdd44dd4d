"""The tracker on /tracker/socket, spoken to the way PeerTube's players do, and the STUN responder.

Two simulated peers of the same video meet through us and exchange a WebRTC offer and its answer,
under PeerTube 7.0's info-hash recipe and under 7.1+'s (p2p-media-loader 2.x). The recipes are checked
against values computed by the players' own code (p2p-media-loader-core 2.2.2 and 2.3.1, and the
SHA-1 of PeerTube 7.0's server) for a fixed URL.
"""

from __future__ import annotations

import json
import os
import socket
import struct

import pytest
import requests
from websockets.sync.client import connect

from tests.tracker.asgi import start_asgi_instance
from tests.tracker.conftest import offer, peer_id, receive, socket_url, v1_hash, v2_hash
from tests.web.hls import add_ladder_video
from videos.tracker.infohashes import infohashes
from videos.tracker.stun import MAGIC_COOKIE, binding_response

SAMPLE_MASTER = "http://127.0.0.1:9000/static/streaming-playlists/hls/4f3c2a1e-0000-4000-8000-000000000001/master.m3u8"
PRIVATE = 3


def test_infohash_recipes_are_the_players_ones():
    hashes = infohashes(SAMPLE_MASTER, 2)
    assert bytes.fromhex("a4c1f0ef61819f5138cc853558a6ae98dd195091") in hashes  # PeerTube 7.0, rendition 1
    assert b"POEKAMYOIKqF9oNNINtW" in hashes  # p2p-media-loader 2.2 (PeerTube 7.1-8.x), "main-1"
    assert b"jnma3NiAbK14xNsVw8ma" in hashes  # p2p-media-loader 2.3
    assert len(hashes) == 6


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    live = start_asgi_instance(tmp_path_factory.mktemp("tracker-instance"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def masters(instance, tmp_path_factory):
    """Master playlist URLs (as the API gives them) of a public and a private video."""
    public, private = (
        add_ladder_video(instance, tmp_path_factory.mktemp("ladder"), privacy=privacy) for privacy in (1, PRIVATE)
    )
    body = requests.get(f"{instance.url}/api/v1/videos/{public.uuid}", timeout=10).json()
    public_url = body["streamingPlaylists"][0]["playlistUrl"]
    assert public_url.endswith(f"/{public.uuid}/{public.spec['master']}")
    # The private one's would be the same but for its own folder and name (the API hides it from anonymous).
    private_url = public_url.replace(public.uuid, private.uuid).replace(public.spec["master"], private.spec["master"])
    return {1: public_url, PRIVATE: private_url}


@pytest.mark.parametrize("recipe", [v1_hash, v2_hash], ids=["peertube-7.0", "peertube-7.1+"])
def test_two_peers_exchange_offer_and_answer(instance, masters, recipe):
    info_hash = recipe(masters[1], 1)
    alice, bob = peer_id(), peer_id()
    with connect(socket_url(instance)) as bob_ws, connect(socket_url(instance)) as alice_ws:
        bob_ws.send(
            json.dumps(
                {
                    "action": "announce",
                    "info_hash": info_hash,
                    "peer_id": bob,
                    "numwant": 10,
                    "uploaded": 0,
                    "downloaded": 0,
                    "event": "started",
                    "offers": [],
                }
            )
        )
        assert receive(bob_ws) == {
            "action": "announce",
            "interval": 120,
            "info_hash": info_hash,
            "complete": 0,
            "incomplete": 1,
        }

        alice_ws.send(
            json.dumps(
                {
                    "action": "announce",
                    "info_hash": info_hash,
                    "peer_id": alice,
                    "numwant": 10,
                    "event": "started",
                    "offers": [offer("o" * 20), offer("p" * 20)],
                }
            )
        )
        assert receive(alice_ws)["incomplete"] == 2
        relayed = receive(bob_ws)  # one offer per other peer: Bob is the only one
        assert relayed == {
            "action": "announce",
            "info_hash": info_hash,
            "peer_id": alice,
            "offer_id": relayed["offer_id"],
            "offer": offer("o" * 20)["offer"],
        }

        answer = {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"}
        bob_ws.send(
            json.dumps(
                {
                    "action": "announce",
                    "info_hash": info_hash,
                    "peer_id": bob,
                    "to_peer_id": alice,
                    "offer_id": relayed["offer_id"],
                    "answer": answer,
                }
            )
        )
        assert receive(alice_ws) == {
            "action": "announce",
            "info_hash": info_hash,
            "peer_id": bob,
            "offer_id": relayed["offer_id"],
            "answer": answer,
        }

        alice_ws.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": alice, "event": "stopped"}))
        assert receive(alice_ws)["incomplete"] == 1
        bob_ws.send(json.dumps({"action": "scrape", "info_hash": [info_hash]}))
        assert receive(bob_ws)["files"][info_hash] == {"complete": 0, "incomplete": 1, "downloaded": 0}


def test_unknown_and_private_swarms_are_refused_and_bad_frames_survived(instance, masters):
    with connect(socket_url(instance)) as ws:
        for info_hash in ("x" * 20, v2_hash(masters[PRIVATE], 0), v1_hash(masters[PRIVATE], 0)):
            ws.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": peer_id(), "offers": []}))
            assert receive(ws) == {"action": "announce", "info_hash": info_hash, "failure reason": "unknown info_hash"}
        for frame in (
            "not json",
            "[]",
            json.dumps({"action": "announce"}),
            "{" * 100_000,
            json.dumps({"action": 1}),
            json.dumps({"action": "announce", "info_hash": "\u0400" * 20, "peer_id": "p" * 20}),
        ):
            ws.send(frame)
        # Answered with a failure when the frame names an info-hash, dropped otherwise; the socket still works.
        info_hash = v2_hash(masters[1], 0)
        ws.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": peer_id(), "event": "bogus"}))
        assert receive(ws)["failure reason"] == "invalid announce"
        ws.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": peer_id(), "offers": []}))
        assert receive(ws)["incomplete"] == 1


def test_announces_are_rate_limited(instance, masters):
    info_hash, me = v2_hash(masters[1], 0), peer_id()
    with connect(socket_url(instance)) as ws:
        replies = []
        for _ in range(40):
            ws.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": me, "offers": []}))
            replies.append(receive(ws))
    refused = [reply for reply in replies if "failure reason" in reply]
    assert 5 <= len(refused) <= 12 and refused[0]["failure reason"] == "too many announces, slow down"


def test_stun_answers_with_the_viewers_address(instance):
    transaction = os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(5)
        udp.bind(("127.0.0.1", 0))
        host, port = instance.env["SIDEWAYS_STUN_LISTEN"].rsplit(":", 1)
        udp.sendto(struct.pack("!HHI12s", 1, 0, MAGIC_COOKIE, transaction), (host, int(port)))
        response, _ = udp.recvfrom(512)
        local_port = udp.getsockname()[1]
    kind, length, cookie, echoed = struct.unpack_from("!HHI12s", response)
    assert (kind, length, cookie, echoed) == (0x0101, 12, MAGIC_COOKIE, transaction)
    family, xport = struct.unpack_from("!xBH", response, 24)
    address = bytes(a ^ b for a, b in zip(response[28:32], struct.pack("!I", MAGIC_COOKIE), strict=False))
    assert (family, xport ^ (MAGIC_COOKIE >> 16), socket.inet_ntoa(address)) == (1, local_port, "127.0.0.1")


def test_stun_ignores_what_is_not_a_binding_request():
    transaction = os.urandom(12)
    assert binding_response(b"\x00\x01", ("127.0.0.1", 5)) is None
    assert binding_response(struct.pack("!HHI12s", 0x0111, 0, MAGIC_COOKIE, transaction), ("127.0.0.1", 5)) is None
    assert binding_response(struct.pack("!HHI12s", 1, 0, 0, transaction), ("127.0.0.1", 5)) is None
    v6 = binding_response(struct.pack("!HHI12s", 1, 0, MAGIC_COOKIE, transaction), ("::1", 5))
    assert struct.unpack_from("!xB", v6, 24)[0] == 2 and len(v6) == 20 + 4 + 20
