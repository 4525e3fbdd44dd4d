"""How fast a backlog of uploads drains with one transcoding worker and with two, each in a folder of its own
(no shared disk: the originals and the rungs go through object storage), in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python benchmarks/backlog.py [--videos 20] [--duration 4]

Starts moto's S3 server, the web node (PostgreSQL, Redis, the bucket; no worker of its own), uploads
--videos clips of --duration seconds (480p, H.264 + AAC) while no worker runs, then starts the workers
(concurrency 1 each, `-Q transcoding`) and times the drain: from the first job's start to the last job's
end, as the transcoding jobs' rows record them. Then the same with two workers and a new backlog.
Prints each drain and the ratio of the one-worker drain to the two-worker drain.

One job already keeps every core busy (the encoder cuts the source into one slice per core), so on one
machine a second worker adds little; on a second machine it brings its own cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import s3  # noqa: E402
from tests.live import LiveInstance, api_session, start_instance, start_transcoding_worker, upload_clip  # noqa: E402
from tests.media import make_clip  # noqa: E402
from tests.services import require_real_services  # noqa: E402

LADDER = "480,360,240"


def _drain(web: LiveInstance, clips: list[Path], workers: int, folder: Path) -> float:
    """Upload the backlog, start the workers, wait until every video is transcoded; returns the drain's seconds."""
    session = api_session(web)
    ids = [upload_clip(web, session, clip) for clip in clips]
    started = [start_transcoding_worker(web, folder / f"worker-{workers}-{number}") for number in range(workers)]
    try:
        with psycopg2.connect(web.env["DATABASE_URL"]) as connection, connection.cursor() as cursor:
            deadline = time.monotonic() + 60 * len(clips)
            while True:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed'),"
                    " min(started_at), max(finished_at) FROM transcoding_transcodingjob WHERE video_id = ANY(%s)",
                    (ids,),
                )
                done, failed, first, last = cursor.fetchone()
                connection.commit()
                if failed:
                    raise SystemExit(f"{failed} transcoding job(s) failed")
                if done == len(ids):
                    return (last - first).total_seconds()
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {done} of {len(ids)} videos transcoded in time")
                time.sleep(0.5)
    finally:
        for worker in started:
            worker.stop_process("worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--duration", type=float, default=4)
    arguments = parser.parse_args()
    database_url, redis_url = require_real_services()
    with tempfile.TemporaryDirectory(prefix="backlog-") as temp, s3.s3_server() as endpoint:
        folder = Path(temp)
        clips = [
            make_clip(folder / f"clip-{number}.mp4", duration=arguments.duration, width=854, height=480)
            for number in range(arguments.videos)
        ]
        env = {**s3.object_storage_env(endpoint, s3.new_bucket(endpoint)), "SIDEWAYS_TRANSCODING_RESOLUTIONS": LADDER}
        web = start_instance(
            folder / "web", postgres_server_url=database_url, redis_url=redis_url, worker=False, extra_env=env
        )
        try:
            one = _drain(web, clips, 1, folder)
            two = _drain(web, clips, 2, folder)
        finally:
            web.stop()
    print(f"backlog of {arguments.videos} videos of {arguments.duration:g} s (480p, ladder {LADDER}):")
    print(f"  1 worker : {one:6.1f} s ({arguments.videos / one * 60:.1f} videos/min)")
    print(f"  2 workers: {two:6.1f} s ({arguments.videos / two * 60:.1f} videos/min)")
    print(f"  ratio 1 worker / 2 workers: {one / two:.2f}")


if __name__ == "__main__":
    main()
