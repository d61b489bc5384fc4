"""Group commit: concurrent callers in one process share one sequenced transaction.

Each caller queues its request and waits.  The caller at the head of an idle queue leads: it
takes what is queued (up to `limit` commands, all on its own database), has it sequenced and
committed as one group, wakes every caller with its own outcome, then hands the lead to the
caller at the head of the queue (those who came while it worked) and returns.  Nobody returns
before the commit that holds its request, and nobody leads for long: a leader leaves once
its own group is answered.

Invariant (under `_guard`): the queue is not empty only while someone leads, and a leader is
always the head of the queue when it takes its group.
"""
from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


class GroupAbandoned(RuntimeError):
    """The leader stopped (its thread was interrupted) before this request was answered."""


@dataclass(eq=False)
class Request:
    bind: object                   # the engine the caller's session is bound to
    commands: list
    at: datetime
    results: list | None = None
    error: BaseException | None = None
    done: bool = False
    turn: threading.Event = field(default_factory=threading.Event)   # answered, or lead now

    def answer(self, results: list) -> None:
        self.results, self.done = results, True
        self.turn.set()

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True
        self.turn.set()

    def outcome(self) -> list:
        if self.error is not None:
            raise self.error
        return self.results


class GroupCommit:
    """`run_group(requests)` sequences and commits the requests together and answers or fails
    each one of them."""

    def __init__(self, run_group: Callable[[list[Request]], None], limit: int):
        self._run_group, self._limit = run_group, limit
        self._guard = threading.Lock()
        self._queue: deque[Request] = deque()
        self._leading = False

    def submit(self, bind, commands: list, at: datetime) -> list:
        request = Request(bind, commands, at)
        self._enqueue(request)
        request.turn.wait()
        if not request.done:
            self._lead(request)
        return request.outcome()

    def _enqueue(self, request: Request) -> None:
        with self._guard:
            self._queue.append(request)
            if not self._leading:
                self._leading = True
                request.turn.set()

    def _lead(self, leader: Request) -> None:
        group = self._take(leader)
        try:
            # In an empty context: the group serves other callers too, so nothing of the
            # leader's request (its user, language, database session) may reach the sequencing.
            contextvars.Context().run(self._run_group, group)
        finally:
            for request in group:
                if not request.done:
                    request.fail(GroupAbandoned("the market sequencer was interrupted"))
            self._hand_on()

    def _take(self, leader: Request) -> list[Request]:
        """The leader's request first, then every queued one on the same database that fits;
        the rest stay queued in their order (a request too big for this group heads the next)."""
        with self._guard:
            group, size, left = [], 0, deque()
            for request in self._queue:
                fits = not group or size + len(request.commands) <= self._limit
                if request.bind is leader.bind and fits:
                    group.append(request)
                    size += len(request.commands)
                else:
                    left.append(request)
            self._queue = left
        assert group and group[0] is leader, "a leader heads the queue"
        return group

    def _hand_on(self) -> None:
        with self._guard:
            if self._queue:
                self._queue[0].turn.set()
            else:
                self._leading = False
