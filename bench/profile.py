"""Where the proxy spends its CPU on a LaaS request vs a native ``openai/`` request.

    .venv/bin/python bench/profile.py                 # 32 clients, plain, 12 s per model
    .venv/bin/python bench/profile.py --stream --seconds 8

Starts the same emulator + proxy as ``bench/proxy_compare.py``, loads one model at a time
from this process, and samples the proxy with ``py-spy record`` (not in the dev lock:
``.venv/bin/pip install py-spy``). Prints, per model: the proxy's CPU per request (from
/proc, not sampled), the share of samples in our package and in each provider path, the
heaviest packages by self time, and our own functions by inclusive time. Raw collapsed
stacks are kept in bench/results/ for flame graphs (e.g. speedscope). Loopback only,
bounded by ``--seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.proxy_compare import LAAS, NATIVE, cpu_seconds, request_body, start  # noqa: E402

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
# Where each provider path's own code lives (what differs between the two models).
PATHS = {
    "laas_provider (our plugin)": ("/laas_provider/",),
    "litellm CustomLLM glue": ("/litellm/llms/custom_llm",),
    "litellm openai provider + openai SDK": ("/litellm/llms/openai/", "/site-packages/openai/"),
    "litellm streaming wrapper": ("/litellm/litellm_core_utils/streaming_handler",),
    "aiohttp (upstream call)": ("/site-packages/aiohttp/",),
    "httpx/httpcore (upstream call)": ("/site-packages/httpx/", "/site-packages/httpcore/"),
    "imports at request time (importlib)": ("<frozen importlib",),
}
Samples = list[tuple[list[tuple[str, str]], int]]


def short(path: str) -> str:
    """A frame's file, short: ``litellm/router.py``, ``laas_provider/handler.py``, ``asyncio/tasks.py``."""
    for marker in ("site-packages/", "/work/main/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def package(path: str) -> str:
    name = short(path)
    return name.split("/", 1)[0].removesuffix(".py") if "/" in name else name


def parse(raw: Path) -> Samples:
    samples = []
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for text in stack.split(";"):
            m = FRAME.match(text)
            frames.append((m["func"], m["file"]) if m else (text, ""))
        samples.append((frames, int(count)))
    return samples


def inclusive(samples: Samples) -> Counter[str]:
    """Samples per function (``func (file)``), counting each function once per stack."""
    out: Counter[str] = Counter()
    for frames, n in samples:
        for key in {f"{func} ({short(f)})" for func, f in frames}:
            out[key] += n
    return out


def summarise(samples: Samples, requests: int, top: int = 12) -> str:
    total = sum(n for _, n in samples) or 1
    paths: Counter[str] = Counter()
    self_pkg: Counter[str] = Counter()
    for frames, n in samples:
        files = [f for _, f in frames]
        for name, needles in PATHS.items():
            if any(any(x in f for x in needles) for f in files):
                paths[name] += n
        self_pkg[package(frames[-1][1] if frames else "")] += n
    ours = Counter({k: n for k, n in inclusive(samples).items() if "laas_provider/" in k})
    pct = lambda n: f"{100 * n / total:5.1f}%"  # noqa: E731
    lines = [f"samples holding the GIL: {total} ({total / max(requests, 1):.2f} per request)",
             "", "share of samples with a frame in:"]  # fmt: skip
    lines += [f"  {pct(paths[name])}  {name}" for name in PATHS]
    lines += ["", "self time by package:"]
    lines += [f"  {pct(n)}  {p}" for p, n in self_pkg.most_common(top)]
    if ours:
        lines += ["", "our functions, inclusive:"]
        lines += [f"  {pct(n)}  {k}" for k, n in ours.most_common(top)]
    return "\n".join(lines)


def compare(a: tuple[str, Samples, int], b: tuple[str, Samples, int], top: int = 25) -> str:
    """Functions whose inclusive samples per request differ most between the two models."""
    (name_a, sa, ra), (name_b, sb, rb) = a, b
    ia, ib = inclusive(sa), inclusive(sb)
    per = {k: (ia[k] / max(ra, 1), ib[k] / max(rb, 1)) for k in set(ia) | set(ib)}
    rows = sorted(per.items(), key=lambda kv: -abs(kv[1][0] - kv[1][1]))[:top]
    lines = [f"## where the two differ: inclusive samples per request, {name_a} vs {name_b}", "",
             f"| function | {name_a} | {name_b} | difference |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| {k} | {x:.3f} | {y:.3f} | {x - y:+.3f} |" for k, (x, y) in rows]
    return "\n".join(lines)


async def load(url: str, key: str, model: str, stream: bool, clients: int, seconds: float) -> int:
    body = request_body(model, stream)
    deadline = time.monotonic() + seconds
    done = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=60, limits=limits) as client:  # fmt: skip

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                if stream:
                    async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                        async for _ in r.aiter_lines():
                            pass
                else:
                    r = await client.post("/v1/chat/completions", json=body)
                r.raise_for_status()
                done += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return done


def profile(pid: int, url: str, key: str, model: str, args, out: Path) -> tuple[str, Samples, int]:
    asyncio.run(load(url, key, model, args.stream, args.clients, 2))  # warm-up
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    record = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", str(args.rate), "--duration",
         str(int(args.seconds)), "--format", "raw", "--output", str(out), "--nonblocking",
         "--full-filenames", "--function", "--gil"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(0.5)
    cpu = cpu_seconds(pid)
    done = asyncio.run(load(url, key, model, args.stream, args.clients, args.seconds - 1))
    cpu = cpu_seconds(pid) - cpu
    _, err = record.communicate(timeout=args.seconds + 30)
    if not out.exists():
        raise RuntimeError(f"py-spy wrote nothing: {err.decode(errors='replace')}")
    head = (
        f"## {model} ({'stream' if args.stream else 'plain'}, {args.clients} clients)\n\n"
        f"requests: {done}; proxy CPU per request: {1000 * cpu / max(done, 1):.2f} ms\n"
    )
    samples = parse(out)
    return head + summarise(samples, done), samples, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    if not (
        shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    ):
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    reports, profiles = [], []
    with tempfile.TemporaryDirectory() as tmp:
        emulator, proxy = start(Path(tmp), args.latency_ms)
        try:
            for model in (LAAS, NATIVE):
                mode = "stream" if args.stream else "plain"
                out = results / f"profile-{model}-{mode}-{args.clients}.txt"
                out.unlink(missing_ok=True)
                report, samples, done = profile(proxy.process.pid, proxy.url, proxy.master_key,
                                                model, args, out)  # fmt: skip
                reports.append(report)
                profiles.append((model, samples, done))
                print(report + "\n", flush=True)
        finally:
            proxy.stop()
            emulator.stop()
    reports.append(compare(*profiles))
    print(reports[-1])
    (results / "profile.md").write_text("\n\n".join(reports) + "\n")


if __name__ == "__main__":
    main()
