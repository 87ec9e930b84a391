"""The media work off the event loop (laas_provider/adapt.py): pool, deadline, cache, log."""

from __future__ import annotations

import base64
import io
import logging
import os
import sys
import threading
import time
from typing import ClassVar

import litellm
import pytest

from laas_provider import adapt
from laas_provider.transform.media.work import Done, Pending
from tests.loop import gaps_beside
from tests.media import photo


def webp(size=(1600, 1200), seed=1) -> str:
    buffer = io.BytesIO()
    photo(size, seed).save(buffer, format="WEBP")
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()


def pending(url: str, place: str = "messages[0].content[1]") -> Pending:
    return Pending(place, url, url.index(",") + 1, "WebP")


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(adapt, "CACHE", adapt.Cache())


async def test_an_image_is_adapted_in_a_worker_process_and_logged_once(caplog, monkeypatch):
    caplog.set_level(logging.INFO, "laas_provider")
    job = pending(webp())
    workers = []
    real = adapt.Worker.call

    def spy(worker, *args):
        workers.append((threading.current_thread().name, worker.process.pid))
        return real(worker, *args)

    monkeypatch.setattr(adapt.Worker, "call", spy)
    (done,) = (await adapt.aresolve([job], "claude")).values()
    ((thread, pid),) = workers
    assert thread.startswith("laas-media") and pid != os.getpid()
    assert done.parts[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    lines = [r.getMessage() for r in caplog.records if "LaaS media" in r.getMessage()]
    assert len(lines) == 1
    assert "messages[0].content[1] WebP 1600x1200" in lines[0]
    assert "-> JPEG 1568x1176" in lines[0]


async def test_a_resent_image_comes_from_the_cache_whatever_string_holds_it(monkeypatch, caplog):
    caplog.set_level(logging.INFO, "laas_provider")
    url = webp()
    first = await adapt.aresolve([pending(url)], "m")
    calls = []
    monkeypatch.setattr(adapt.Worker, "call", lambda *args: calls.append(args))
    again = "".join(list(url))  # the same text in a new string, as a resent request has it
    assert again is not url
    second = await adapt.aresolve([pending(again)], "m")
    assert calls == []
    assert all(a is b for a, b in zip(second.values(), first.values(), strict=True))
    assert "(cached)" in caplog.records[-1].getMessage()


async def test_inputs_that_share_their_sampled_parts_are_told_apart():
    url = webp((1200, 900))
    at = url.index(",") + 1 + adapt.SAMPLE + 100  # outside the three hashed samples
    assert at < (len(url) + url.index(",")) // 2 - adapt.SAMPLE
    twin = url[:at] + ("A" if url[at] != "A" else "B") + url[at + 1 :]
    assert adapt.Cache.key(pending(url)) == adapt.Cache.key(pending(twin))
    adapt.CACHE.put(pending(url), Done(({"type": "text", "text": "first"},), "x", 5))
    assert adapt.CACHE.get(pending(twin)) is None
    assert adapt.CACHE.get(pending(url)) is not None


def test_the_cache_is_bounded_by_bytes():
    cache = adapt.Cache(limit=4000)
    for i in range(20):
        url = f"data:image/webp;base64,{i:04d}" + "A" * 400
        cache.put(pending(url), Done((), "x", 100))
    assert cache.size <= 4000
    assert cache.get(pending("data:image/webp;base64,0000" + "A" * 400)) is None
    assert cache.get(pending("data:image/webp;base64,0019" + "A" * 400)) is not None


class Slow(adapt.Worker):
    """A worker that takes ``seconds`` per job (a real process, so it can be killed)."""

    seconds = 1.0
    started: ClassVar[list] = []

    def __init__(self):
        self.COMMAND = (sys.executable, "-c", "import time; time.sleep(600)")
        super().__init__()
        Slow.started.append(self)

    def call(self, job, text, start):
        time.sleep(self.seconds)
        return {"ok": True, "change": "slow", "parts": []}, b""


@pytest.fixture
def slow(monkeypatch):
    Slow.started = []
    monkeypatch.setattr(adapt, "Worker", Slow)
    monkeypatch.setattr(adapt, "_local", threading.local())
    monkeypatch.setattr(adapt, "WORKERS", 2)
    monkeypatch.setattr(adapt, "_pool", None)
    return Slow


async def test_a_part_past_its_deadline_is_a_400_naming_it_and_its_worker_is_killed(
    slow, monkeypatch
):
    monkeypatch.setattr(adapt, "DEADLINE", 0.2)
    with pytest.raises(litellm.BadRequestError) as refused:
        await adapt.aresolve([pending(webp((64, 64)), "messages[3].content[2]")], "m")
    assert "messages[3].content[2]: adapting it took longer than 0.2 s" in str(refused.value)
    (worker,) = slow.started
    assert worker.process.wait(timeout=5) is not None  # killed, not left running


async def test_parts_that_waited_for_a_worker_past_the_deadline_are_a_503(slow, monkeypatch):
    # 2 workers, 6 parts of 0.25 s each, 0.4 s deadline: 2 done, 2 started late, 2 never.
    monkeypatch.setattr(adapt, "DEADLINE", 0.4)
    slow.seconds = 0.25
    busy = [pending(webp((64, 64), seed=i), f"messages[{i}].content[0]") for i in range(6)]
    with pytest.raises(litellm.ServiceUnavailableError, match="media workers are busy"):
        await adapt.aresolve(busy, "m")


async def test_a_worker_that_dies_on_a_file_is_a_400_and_is_replaced(monkeypatch):
    class Crashing(adapt.Worker):
        COMMAND = (sys.executable, "-c", "import os; os.abort()")

    monkeypatch.setattr(adapt, "Worker", Crashing)
    monkeypatch.setattr(adapt, "_local", threading.local())
    with pytest.raises(litellm.BadRequestError, match="its decoder stopped on it"):
        await adapt.aresolve([pending(webp((64, 64)))], "m")
    monkeypatch.setattr(adapt, "Worker", Crashing.__base__)
    (done,) = (await adapt.aresolve([pending(webp((64, 64)))], "m")).values()
    assert done.parts[0]["type"] == "image_url"


async def test_an_image_that_cannot_be_decoded_is_a_400_naming_it():
    url = webp((300, 200))
    start = url.index(",") + 1
    broken = url[: start + (len(url) - start) // 2 // 4 * 4]  # the file cut in half
    with pytest.raises(litellm.BadRequestError, match=r"messages\[0\].content\[1\]: the image"):
        await adapt.aresolve([pending(broken)], "m")


async def test_invalid_base64_is_a_400_from_the_worker():
    with pytest.raises(litellm.BadRequestError, match="invalid base64"):
        await adapt.aresolve([pending("data:image/webp;base64,UklG" + "!!!!" * 10)], "m")


async def test_the_event_loop_keeps_answering_while_two_big_images_are_adapted():
    big = [pending(webp((4032, 3024), seed=i), f"messages[0].content[{i}]") for i in (1, 2)]
    await adapt.aresolve([pending(webp((64, 64), seed=i)) for i in (3, 4)], "m")  # started
    gaps = await gaps_beside(adapt.aresolve(big, "m"))
    # Wide margin on shared CI cores; bench/bench_media.py measures the real figure.
    assert len(gaps) > 20 and max(gaps) < 0.1, f"longest hold {max(gaps) * 1000:.1f} ms"


def test_the_blocking_path_uses_the_same_pool_and_cache():
    url = webp()
    (done,) = adapt.resolve([pending(url)], "m").values()
    assert adapt.CACHE.get(pending(url)) is done
