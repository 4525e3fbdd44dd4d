"""Two web workers share swarms through Redis: viewers of one video meet whichever worker took them (tier 2)."""

from __future__ import annotations

import json

import pytest
import requests
from websockets.sync.client import connect

from tests.tracker.asgi import start_asgi_instance
from tests.tracker.conftest import offer, peer_id, receive, socket_url, v2_hash
from tests.web.hls import add_ladder_video

pytestmark = pytest.mark.integration

PEERS = 8


def test_offers_reach_peers_held_by_the_other_worker(real_services, tmp_path):
    _, redis_url = real_services
    instance = start_asgi_instance(tmp_path / "instance", workers=2, extra_env={"REDIS_URL": redis_url})
    try:
        (tmp_path / "ladder").mkdir()
        video = add_ladder_video(instance, tmp_path / "ladder")
        master = requests.get(f"{instance.url}/api/v1/videos/{video.uuid}", timeout=10).json()["streamingPlaylists"][0][
            "playlistUrl"
        ]
        info_hash = v2_hash(master, 0)
        sockets = [connect(socket_url(instance)) for _ in range(PEERS)]  # the kernel spreads them over both workers
        ids = [peer_id() for _ in sockets]
        for socket, me in zip(sockets, ids, strict=False):
            socket.send(json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": me, "offers": []}))
            receive(socket)
        # The last peer offers to every other one: each gets the offer and answers through its own worker.
        offers = [offer(f"{number:020d}") for number in range(PEERS - 1)]
        sockets[-1].send(
            json.dumps({"action": "announce", "info_hash": info_hash, "peer_id": ids[-1], "offers": offers})
        )
        assert receive(sockets[-1])["incomplete"] == PEERS
        for socket, me in zip(sockets[:-1], ids, strict=False):
            relayed = receive(socket)
            assert relayed["peer_id"] == ids[-1]
            socket.send(
                json.dumps(
                    {
                        "action": "announce",
                        "info_hash": info_hash,
                        "peer_id": me,
                        "to_peer_id": ids[-1],
                        "offer_id": relayed["offer_id"],
                        "answer": {"type": "answer", "sdp": me},
                    }
                )
            )
        answers = {receive(sockets[-1])["answer"]["sdp"] for _ in range(PEERS - 1)}
        assert answers == set(ids[:-1])
        for socket in sockets:
            socket.close()
    finally:
        instance.stop()
