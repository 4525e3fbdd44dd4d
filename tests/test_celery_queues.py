"""A plain `celery -A sideways worker` (no -Q) consumes every queue a task is routed to: before, it consumed
only `default`, so uploads were never transcoded and federation never ran."""

from sideways.celery import app


def consumed_by_a_plain_worker() -> set[str]:
    """What a worker started without -Q listens to: the app's declared queues, as Celery's worker reads them."""
    return set(app.amqp.queues.consume_from)


def test_a_plain_worker_consumes_the_transcoding_queue():
    route = app.amqp.router.route({}, "transcoding.transcode_video")
    assert route["queue"].name == "transcoding"
    assert "transcoding" in consumed_by_a_plain_worker()


def test_every_task_is_routed_to_a_queue_a_plain_worker_consumes():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.startswith(("videos.", "transcoding.", "federation."))]
    assert "transcoding.transcode_video" in ours
    for name in ours:
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in consumed_by_a_plain_worker(), name
