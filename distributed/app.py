"""The Celery application both sides use: one queue, late acknowledgement, a visibility timeout.

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a job is acknowledged when it ends, so a
  worker killed mid-job leaves it unacknowledged, and Redis delivers it again after the
  visibility timeout to a worker that is alive; the job resumes (`distributed.tasks`).
- ``worker_prefetch_multiplier = 1``: a worker reserves no more jobs than it runs, so a long
  host does not keep the next hosts waiting behind it on a busy machine.
- ``unacked_restore_interval``: how often a live worker looks for jobs left by a dead one; with
  the throttle at 1 the sweep is that often, not ten times less.
- No result backend: the jobs report to their run's board in Redis (`distributed.board`), which
  the coordinator reads.
"""

from __future__ import annotations

from celery import Celery

from distributed.config import BrokerSettings

QUEUE = "zwgk-crawl"


def make_app(settings: BrokerSettings) -> Celery:
    app = Celery("zwgk", broker=settings.url, include=["distributed.tasks"])
    restore_every = max(1, min(10, int(settings.visibility_timeout / 5)))
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": restore_every,
            "unacked_restore_throttle": 1,
        },
    )
    return app
