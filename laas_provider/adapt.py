"""Media work off the event loop: a bounded pool of media worker processes, a deadline per
part, and a cache by content, so a client that resends its history every turn pays for an
adaptation once. The transform says what to do (``transform.media.work.Pending``); the
worker process (``media.worker``) decodes the untrusted bytes; this module runs it.

One proxy process serves every user, so decoding never happens in it: Pillow holds the GIL
while it allocates and copies whole frames (30-60 ms for a 12 MP WebP or HEIC), and a
hostile file may crash a decoder. Each pool thread drives one worker process over pipes; a
part past its deadline gets its worker killed and is a 400 naming it (a 503 if it never got
a worker), and each adapted part is one INFO log line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import litellm

from . import errors
from .media import frames
from .transform.media.work import Done, Pending

log = logging.getLogger("laas_provider")

WORKERS = max(1, min(4, os.cpu_count() or 1))
DEADLINE = 10.0  # seconds from a part's submission to its result
CACHE_BYTES = 256 * 1024 * 1024  # input and output characters held, in all
SAMPLE = 4096  # characters of the payload hashed for the cache key, at each of 3 places
SAME_KEY = 4  # entries kept per key (inputs that share their samples: told apart by ==)

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()  # each pool thread's worker process


def pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="laas-media")
        return _pool


class WorkerGone(RuntimeError):
    """The worker process ended mid-job: killed at the deadline, or its decoder crashed."""


class Worker:
    """One media worker process (``python -m laas_provider.media.worker``) and its pipes.

    Started on a pool thread's first job and kept; killed at a deadline and restarted on the
    next job. Its environment holds no secrets: only what Python needs to find the package.
    """

    COMMAND = (sys.executable, "-m", "laas_provider.media.worker")

    def __init__(self) -> None:
        env = {"LANG": "C.UTF-8", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            self.COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, job: dict[str, Any], text: str, start: int) -> tuple[dict[str, Any], bytes]:
        """The worker's reply to ``job`` on the payload ``text[start:]`` (ASCII)."""
        try:
            frames.write_text(self.process.stdin, job, text, start)  # type: ignore[arg-type]
            reply = frames.read(self.process.stdout)  # type: ignore[arg-type]
        except (BrokenPipeError, ValueError, OSError):
            reply = None
        if reply is None:
            self.kill()
            raise WorkerGone
        return reply

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe:
                pipe.close()


def _worker() -> Worker:
    worker = getattr(_local, "worker", None)
    if worker is None or not worker.alive():
        worker = _local.worker = Worker()
    return worker


class Cache:
    """Results by content: a cheap key from samples of the payload, confirmed by comparing the
    whole data URL (a memcmp, ~1 ms for 10 MB), so a collision can never swap two images."""

    def __init__(self, limit: int = CACHE_BYTES):
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[tuple[Any, ...], list[tuple[str, Done]]] = OrderedDict()
        self._lock = threading.Lock()  # the sync path runs in other threads

    @staticmethod
    def key(job: Pending) -> tuple[Any, ...]:
        url, start = job.url, job.start
        middle = start + (len(url) - start) // 2
        sample = hashlib.sha256()
        for at in (start, middle, max(start, len(url) - SAMPLE)):
            sample.update(url[at : at + SAMPLE].encode("ascii", "replace"))
        return (*job.key(), len(url), url[:start], sample.digest())

    def get(self, job: Pending) -> Done | None:
        key = self.key(job)
        with self._lock:
            for url, done in self._entries.get(key, ()):
                if url == job.url:
                    self._entries.move_to_end(key)
                    return done
        return None

    def put(self, job: Pending, done: Done) -> None:
        cost = len(job.url) + done.size
        if cost > self.limit // 4:
            return
        key = self.key(job)
        with self._lock:
            entries = self._entries.setdefault(key, [])
            entries.append((job.url, done))
            self.size += cost
            if len(entries) > SAME_KEY:
                url, old = entries.pop(0)
                self.size -= len(url) + old.size
            while self.size > self.limit and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self.size -= sum(len(url) + old.size for url, old in evicted)


CACHE = Cache()


class _Job:
    """A Pending submitted to the pool: its thread hands it to that thread's worker process."""

    def __init__(self, pending: Pending, model: str):
        self.pending = pending
        self.model = model
        self.queued = time.perf_counter()
        self.started: float | None = None
        self.worker: Worker | None = None
        self.late = False

    def __call__(self) -> Done:
        if self.late:  # given up on while it waited for a thread
            raise WorkerGone
        pending = self.pending
        if not pending.url.isascii():  # O(1): the string knows; base64 is ASCII
            raise errors.refuse(pending.place, "invalid base64 in the data URL")
        self.worker = _worker()
        self.started = time.perf_counter()
        try:
            reply, data = self.worker.call(pending.job(), pending.url, pending.start)
        except WorkerGone:
            if self.late:
                raise
            problem = "the file cannot be read (its decoder stopped on it)"
            raise errors.refuse(pending.place, problem) from None
        if not reply.get("ok"):
            raise errors.refuse(pending.place, str(reply.get("problem")))
        return _done(reply, data)

    def left(self) -> float:
        """Seconds left of its deadline."""
        return max(0.0, DEADLINE - (time.perf_counter() - self.queued))

    def kept(self, done: Done) -> Done:
        """Its result, cached and logged."""
        CACHE.put(self.pending, done)
        return _logged(self.pending, done, self.model, self.queued, cached=False)

    def failed(self, exc: Exception) -> Exception:
        """What the client gets for ``exc``: past the deadline (``_late``), or its 400."""
        if isinstance(exc, TimeoutError):
            self.late = True
            if self.worker is not None and self.started is not None:
                self.worker.kill()
            return _late(self)
        assert isinstance(exc, errors.InputError)
        return errors.bad_request(exc, self.model)


def _done(reply: dict[str, Any], data: bytes) -> Done:
    """The worker's reply as the parts that replace the Pending (data URLs built here)."""
    parts, at = [], 0
    for part in reply["parts"]:
        if part["type"] == "text":
            parts.append({"type": "text", "text": part["text"]})
            continue
        url = f"data:{part['mime']};base64," + data[at : at + part["size"]].decode("ascii")
        at += part["size"]
        if part["type"] == "image":
            parts.append({"type": "image_url", "image_url": {"url": url}})
        else:
            parts.append({"type": "document", "document_url": {"url": url}})
    return Done(tuple(parts), str(reply["change"]), len(data), float(reply.get("cpu_ms", 0)))


def _late(job: _Job) -> Exception:
    """Past the deadline: the image's own fault (a 400) if it had a worker for at least half
    of it; else the proxy was busy (a 503: the router retries it)."""
    ran = 0.0 if job.started is None else time.perf_counter() - job.started
    if ran < DEADLINE / 2:
        return litellm.ServiceUnavailableError(
            message=f"LaaS: the proxy's media workers are busy; {job.pending.place} was not "
            f"adapted within {DEADLINE:g} s. Retry.",
            model=job.model,
            llm_provider=errors.PROVIDER,
        )
    problem = f"adapting it took longer than {DEADLINE:g} s; send a smaller image or fewer of them"
    return errors.bad_request(errors.refuse(job.pending.place, problem), job.model)


def _logged(job: Pending, done: Done, model: str, started: float, cached: bool) -> Done:
    ms = (time.perf_counter() - started) * 1000
    log.info(
        "LaaS media for %s: %s %s%s in %.1f ms",
        model, job.place, done.change, " (cached)" if cached else "", ms,
    )  # fmt: skip
    return done


async def aresolve(pendings: Sequence[Pending], model: str) -> dict[int, Done]:
    """Each Pending's result (by ``id``), adapted in the pool or found in the cache."""
    results = await asyncio.gather(*(_aone(p, model) for p in pendings), return_exceptions=True)
    _raise_first(results)
    return {id(p): done for p, done in zip(pendings, results, strict=True)}


def _raise_first(results: Sequence[Any]) -> None:
    """The client's mistake first (a 400: a retry cannot help), a busy proxy (503) last."""
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise min(failed, key=lambda e: isinstance(e, litellm.ServiceUnavailableError))


def _cached(pending: Pending, model: str) -> Done | None:
    started = time.perf_counter()
    hit = CACHE.get(pending)
    return None if hit is None else _logged(pending, hit, model, started, cached=True)


async def _aone(pending: Pending, model: str) -> Done:
    hit = _cached(pending, model)
    if hit is not None:
        return hit
    job = _Job(pending, model)
    try:
        return job.kept(await asyncio.wait_for(asyncio.wrap_future(pool().submit(job)), DEADLINE))
    except (TimeoutError, errors.InputError) as exc:
        raise job.failed(exc) from None


def resolve(pendings: Sequence[Pending], model: str) -> dict[int, Done]:
    """``aresolve`` for the blocking path (``completion``): the same pool, deadline, cache."""
    results: dict[int, Done] = {}
    submitted: list[tuple[_Job, concurrent.futures.Future[Done]]] = []
    for pending in pendings:
        hit = _cached(pending, model)
        if hit is not None:
            results[id(pending)] = hit
        else:
            job = _Job(pending, model)
            submitted.append((job, pool().submit(job)))
    failed: list[Exception] = []
    for job, future in submitted:
        try:
            results[id(job.pending)] = job.kept(future.result(timeout=job.left()))
        except (TimeoutError, errors.InputError) as exc:
            future.cancel()  # if it never got a thread
            failed.append(job.failed(exc))
    _raise_first(failed)
    return results


def lookup(results: dict[int, Done]) -> Callable[[Pending], Done]:
    return lambda pending: results[id(pending)]
