"""Tasks that run beside their owner and are cancelled with it; a failure is reported, not lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class Background:
    """A set of tasks; ``report`` receives a line for each task that failed."""

    def __init__(self, report: Callable[[str], None]):
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work())
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._report(f"internal error: {task.exception()!r}")
