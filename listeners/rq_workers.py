"""RQ workers that stop promptly.

RQ's worker listens on a Redis pub/sub channel for commands in a thread that waits up to 60 s
for each message, and stopping the worker joins that thread: every stop (SIGTERM from the
Procfile runner or systemd, the end of a burst, a reconnect after losing Redis) waited up to a
minute. Here the thread wakes every second, so a worker stops within about a second of being
asked; the commands it listens for (stop a job, shut down) arrive as quickly as before.
"""

from __future__ import annotations

from typing import Any

from rq import SimpleWorker, Worker

PUBSUB_WAKE_SECONDS = 1.0


class _PromptStop:
    """``subscribe`` as RQ's, with a short wait in the pub/sub thread."""

    def subscribe(self: Any) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=PUBSUB_WAKE_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class PromptWorker(_PromptStop, Worker):
    """The production worker: forks a work horse per job."""


class PromptSimpleWorker(_PromptStop, SimpleWorker):
    """Runs jobs in its own process (tests and tools)."""
