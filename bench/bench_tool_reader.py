"""Reading tool answers: parse + validate of ordinary answers (target < 200 µs), and the
worst case of each hostile answer before (the old reader's ``find_json``, kept here as it
was) and after (``read_answer``), as ratios measured in one run.

.venv/bin/python -m bench.bench_tool_reader
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Callable
from typing import Any

from bench.plugin import per_call
from laas_provider.transform.tools import check_calls, plan, read_answer
from tests.tool_answers import TOOLS

TARGET_US = 200

# --- the reader before issue 18 (laas_provider/transform/tools/reader.py at 2af56d3) ---------
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def old_find_json(text: str, kinds: tuple[type, ...] = (dict,)) -> tuple[Any, str] | None:
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        pass
    else:
        return (value, stripped) if isinstance(value, kinds) else None
    for fenced in _FENCE.findall(text):
        found = old_find_json(fenced, kinds)
        if found is not None:
            return found
    opener = "".join(c for c, k in (("{", dict), ("[", list)) if k in kinds)
    for at, char in enumerate(text):
        if char in opener:
            try:
                value, end = _DECODER.raw_decode(text, at)
            except ValueError:
                continue
            if isinstance(value, kinds):
                return value, text[at:end]
    return None


# -------------------------------------------------------------------------------------------

ORDINARY = {
    "canonical call": '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul"}}]}',
    "Hermes tags after <think>": '<think>Two cities.</think>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Seoul"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Busan"}}\n</tool_call>',
    "prose + fenced call": 'Let me check.\n```json\n{"name": "get_weather", "arguments": {"city": "Seoul", "days": 2}}\n```',
    "trailing commas (repaired)": '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Seoul",},},],}',
    "plain text answer": "It is sunny in Seoul, 21 C. " * 20,
    "Gemini tool_code fence": 'Checking.\n```tool_code\nprint(default_api.get_weather(city="Seoul", days=2))\n```',
    "vLLM pythonic list": '[get_weather(city="Seoul"), get_time(tz="KST")]',
}  # fmt: skip

HOSTILE = {
    "100,000 `{`": "{" * 100_000,
    "100,000 `[`": "[" * 100_000,
    "280 kB of code": 'def f(x):\n    return {"k": x, \'q\': [1, 2], "s": "{"}\n' * 5_000,
    '20,000 `{"a": "`': '{"a": "' * 20_000,
    "280 kB of code, then a call": 'def f(x):\n    return {"k": x, \'q\': [1, 2], "s": "{"}\n'
    * 5_000
    + '{"name": "get_time", "arguments": {}}',
    '10,000 `[x] ` then 100,000 `\\"` in a string': "[x] " * 10_000
    + '{"a": "'
    + '\\"' * 100_000
    + '"}',
    "10,000 `[x] ` then 100,000 `}`": "[x] " * 10_000 + "}" * 100_000,
    "Python call list 10,000 brackets deep": "[get_weather(city="
    + "[" * 10_000
    + "]" * 10_000
    + ")]",
    "5,000 tool_code fences": "```tool_code\nprint(default_api.get_time())\n```\n" * 5_000,
}


def worst(fn: Callable[[], object], rounds: int) -> tuple[float | None, str]:
    """The slowest of ``rounds`` calls in seconds (None and the error when it raised)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            fn()
        except RecursionError:
            return None, "RecursionError (a 500)"
        times.append(time.perf_counter() - started)
    return max(times), ""


def run(quick: bool = False) -> str:
    # The heap frozen, as the proxy's is after its first calls (proxy/gc_freeze): otherwise a
    # full collection of litellm's start-up heap (~0.3 s) lands in whichever row it likes.
    gc.collect()
    gc.freeze()
    agent = plan({"tools": TOOLS}, emulation=True)
    lines = [
        "Tool answers: parse + validate (median per call), 3-tool request",
        "",
        f"| answer | time | of the {TARGET_US} µs target | of which validation (jsonschema) |",
        "|---|---|---|---|",
    ]
    seconds = 0.2 if quick else 0.5
    for name, text in ORDINARY.items():
        reading = read_answer(text, None, agent)
        assert not reading.problems, name
        t = per_call(lambda t=text: read_answer(t, None, agent), seconds)
        v = per_call(lambda r=reading: check_calls(r.tool_calls, agent), seconds)
        lines.append(
            f"| {name} | {t * 1e6:.1f} µs | {t * 1e6 / TARGET_US:.2f} | {v * 1e6:.1f} µs |"
        )
    rounds = 1 if quick else 3
    lines += [
        "",
        f"Hostile answers: worst of {rounds} (before: the old reader's JSON search alone)",
        "",
        "| answer | before | after | after / before |",
        "|---|---|---|---|",
    ]
    for name, text in HOSTILE.items():
        before, error = worst(lambda t=text: old_find_json(t), rounds)
        after, _ = worst(lambda t=text: read_answer(t, None, agent), rounds)
        assert after is not None
        was = error or f"{before * 1000:.0f} ms"
        ratio = f"{after / before:.3f}" if before else "no error now"
        lines.append(f"| {name} | {was} | {after * 1000:.1f} ms | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
