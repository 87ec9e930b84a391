"""Where one big request's memory goes inside the proxy: tracemalloc at points of its path.

Run ``.venv/bin/python bench/mem_probe.py [floor|laas|native ...]``: per path it starts the
emulator and a proxy with the shipped settings (as bench/bench_bigpayload.py does) plus this
module loaded inside the proxy, sends one 30.7 MB PDF request, and prints, at each point of
the request's path, the Python memory traced then, the peak since the previous point, and
every live block of 1 MiB or more with the code that allocated it (its copies of the payload).

Inside the proxy (loaded as ``litellm_settings.callbacks: [bench.mem_probe.probe]``) it
starts tracemalloc and marks points: LiteLLM's pre-call hook (body parsed, key checked),
the provider call (``log_pre_api_call``), the plugin's body built (``_Call``), the upstream
request handed to the HTTP client and its answer back (``httpx.AsyncClient.send``), the
post-call hook, the success log, and, on SIGUSR2, an idle point (then after ``gc.collect()``).
Benchmark-only: never imported by the plugin.
"""

from __future__ import annotations

import functools
import gc
import json
import linecache
import os
import signal
import sys
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIG = 1 << 20  # blocks at least this big are listed
LOG = os.environ.get("MEMPROBE_LOG")
SKIP = ("tracemalloc.py", "<frozen", "asyncio/", "/mem_probe.py", "functools.py")


def _where(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for marker in ("site-packages/", "/laas_provider/", "/bench/", "python3.11/"):
        if marker in name:
            name = name.split(marker, 1)[1]
            if marker == "/laas_provider/":
                name = "laas_provider/" + name
            break
    line = linecache.getline(frame.filename, frame.lineno).strip()
    return f"{name}:{frame.lineno} `{line[:90]}`"


_armed = [False]


def mark(point: str) -> None:
    """Record traced memory, the peak since the last mark, and every live block >= BIG."""
    if not (_armed[0] and tracemalloc.is_tracing()):
        return
    current, peak = tracemalloc.get_traced_memory()
    snapshot = tracemalloc.take_snapshot()
    # Raw (domain, size, traceback, nframes) tuples: far faster than Snapshot.statistics.
    raw = [t for t in snapshot.traces._traces if t[1] >= BIG]
    del snapshot
    blocks = []
    for _, size, traceback, *_ in sorted(raw, key=lambda t: -t[1]):
        frames = [tracemalloc.Frame(f) for f in traceback]  # most recent first
        frames = [f for f in frames if not any(s in f.filename for s in SKIP)]
        blocks.append({"mb": size / 2**20, "count": 1, "at": [_where(f) for f in frames[:8]]})
    record = {"t": time.time(), "point": point, "current_mb": current / 2**20,
              "peak_mb": peak / 2**20, "blocks": blocks}  # fmt: skip
    if LOG:
        with open(LOG, "a") as out:
            out.write(json.dumps(record) + "\n")
    tracemalloc.reset_peak()


def _arm(*_: object) -> None:
    _armed[0] = True
    tracemalloc.reset_peak()


def _describe(obj: object) -> str:
    if isinstance(obj, dict):
        return f"dict(keys {sorted(map(str, obj))[:6]})"
    if type(obj).__name__ == "frame":
        return f"frame {obj.f_code.co_filename.rsplit('/', 2)[-1]}:{obj.f_code.co_name}"
    return type(obj).__module__ + "." + type(obj).__qualname__


def holders(depth: int = 6) -> list[str]:
    """Who keeps the big strings/bytes alive: each one's chain of referrers (first found)."""
    chains = []
    for obj in gc.get_objects():
        values = obj.values() if isinstance(obj, dict) else getattr(obj, "__dict__", {}).values()
        if isinstance(obj, list | tuple):
            values = obj
        try:
            big = [v for v in values if isinstance(v, str | bytes) and len(v) >= BIG]
        except Exception:
            continue
        if not big:
            continue
        chain, current = [f"{type(big[0]).__name__} of {len(big[0]) / 2**20:.0f} MiB"], obj
        for _ in range(depth):
            chain.append(_describe(current))
            refs = [r for r in gc.get_referrers(current) if (r is not chains and r is not chain
                    and type(r).__name__ != "frame") or r is not sys._getframe()]  # fmt: skip
            refs = [r for r in refs if not isinstance(r, list) or len(r) < 1000]
            if not refs:
                break
            current = refs[0]
        chains.append(" <- ".join(chain))
        if len(chains) >= 6:
            break
    return chains


def _idle(*_: object) -> None:
    mark("idle, after the request")
    gc.collect()
    mark("idle, after gc.collect()")
    if LOG:
        with open(LOG, "a") as out:
            out.write(json.dumps({"holders": holders()}) + "\n")
    _armed[0] = False


def _patch() -> None:
    import httpx

    send = httpx.AsyncClient.send

    @functools.wraps(send)
    async def probed_send(self, request, **kwargs):
        mark(f"HTTP client: upstream request handed over ({request.url.path})")
        response = await send(self, request, **kwargs)
        mark("HTTP client: upstream answer received")
        return response

    httpx.AsyncClient.send = probed_send

    from starlette.requests import Request

    body = Request.body

    @functools.wraps(body)
    async def probed_body(self):
        first = not hasattr(self, "_body")
        if first:
            mark("proxy: request body read starts")
        data = await body(self)
        if first:
            mark("proxy: request body read (starlette joins the chunks)")
        return data

    Request.body = probed_body
    try:
        from litellm.proxy.auth import user_api_key_auth as auth
    except ImportError:
        pass
    else:
        read = auth.read_request_body

        @functools.wraps(read)
        async def probed_read(*args, **kwargs):
            parsed = await read(*args, **kwargs)
            mark("proxy: body parsed (read_request_body)")
            return parsed

        auth.read_request_body = probed_read
    try:
        from laas_provider import call
    except ImportError:
        return
    init = call._Call.__init__

    @functools.wraps(init)
    def probed_init(self, *args, **kwargs):
        mark("plugin: _Call start (settings, flatten)")
        init(self, *args, **kwargs)
        mark("plugin: body built (_Call done)")

    call._Call.__init__ = probed_init


def _make_probe():
    from litellm.integrations.custom_logger import CustomLogger

    class Probe(CustomLogger):
        async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
            mark("proxy: pre-call hook (body parsed, key checked)")
            return data

        def log_pre_api_call(self, model, messages, kwargs):
            mark("litellm: provider call starts (log_pre_api_call)")

        async def async_post_call_success_hook(self, data, user_api_key_dict, response):
            mark("proxy: post-call success hook (answer built)")
            return response

        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
            mark("litellm: success logging callback")

    return Probe()


if os.environ.get("MEMPROBE_LOG"):
    if not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ.get("MEMPROBE_FRAMES", "16")))
    _patch()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGUSR1, _arm)
        signal.signal(signal.SIGUSR2, _idle)
    probe = _make_probe()


# --- the driver (runs in the bench process) -------------------------------------------------


def drive(paths: list[str], overrides: dict) -> str:
    import tempfile

    sys.path.insert(0, str(ROOT))
    from bench.bench_bigpayload import PDF_BYTES, post, request_body, shipped_config
    from tests import media
    from tests.e2e.harness import Emulator, Proxy

    big = request_body(media.pdf(20, True, PDF_BYTES))
    small = request_body(media.pdf(2, True))
    out = [f"Payload: request body {len(big) / 2**20:.1f} MiB (one copy of the data URL = 1x)."]
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = Path(tmp)
        emulator = Emulator(log_dir)
        emulator.start()
        try:
            for path in paths:
                log = log_dir / f"probe-{path}.jsonl"
                config = shipped_config(path, emulator, overrides)
                config["litellm_settings"].setdefault("callbacks", []).append(
                    "bench.mem_probe.probe"
                )
                # MEMPROBE_PYTHONPATH: another copy of the package first (e.g. an older commit).
                pythonpath = os.pathsep.join(
                    p for p in (os.environ.get("MEMPROBE_PYTHONPATH"), str(ROOT)) if p
                )
                env = dict(emulator.laas_env("echo"), PYTHONPATH=pythonpath, MEMPROBE_LOG=str(log))
                proxy = Proxy(config, env, log_dir, name=f"probe-{path}")
                proxy.start(seconds=300)
                try:
                    post(proxy, small)
                    os.kill(proxy.process.pid, signal.SIGUSR1)  # marks from now on
                    time.sleep(1)
                    post(proxy, big)
                    _quiet(log)
                    os.kill(proxy.process.pid, signal.SIGUSR2)
                    _quiet(log)
                    deadline = time.monotonic() + 300  # the holders' search is slow
                    while '"holders"' not in log.read_text() and time.monotonic() < deadline:
                        time.sleep(1)
                finally:
                    proxy.stop()
                out.append(report(path, log, len(big)))
        finally:
            emulator.stop()
    return "\n".join(out)


def _quiet(log: Path, still: float = 4.0) -> None:
    """Wait until the proxy has written no mark for ``still`` seconds (snapshots are slow)."""
    size, since = -1, time.monotonic()
    while time.monotonic() - since < still:
        now = log.stat().st_size if log.exists() else 0
        if now != size:
            size, since = now, time.monotonic()
        time.sleep(0.2)


def report(path: str, log: Path, payload: int) -> str:
    lines = [f"\n## {path}\n"]
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    for r in records:
        if "holders" in r:
            lines.append("- **still holding big objects when idle:**")
            lines.extend(f"  - {h}" for h in r["holders"])
            continue
        lines.append(
            f"- **{r['point']}**: traced {r['current_mb']:.0f} MiB "
            f"({r['current_mb'] * 2**20 / payload:.2f}x), peak since the previous point "
            f"{r['peak_mb']:.0f} MiB ({r['peak_mb'] * 2**20 / payload:.2f}x)"
        )
        for b in r["blocks"]:
            lines.append(f"  - {b['mb']:.1f} MiB in {b['count']} block(s), allocated at:")
            lines.extend(f"      {w}" for w in b["at"])
    return "\n".join(lines)


if __name__ == "__main__":
    import yaml

    args = [a for a in sys.argv[1:] if "=" not in a] or ["floor", "laas", "native"]
    sets = {k: yaml.safe_load(v) for k, v in (a.split("=", 1) for a in sys.argv[1:] if "=" in a)}
    print(drive(args, sets))
