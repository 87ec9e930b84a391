"""Hostile tool schemas: the worst time each holds the event loop, before vs after (one run).

"before" is the approach main had (transform/tools/validate.py before issue 18): jsonschema's
``check_schema``, a validator with the default registry (fetches any ``$ref``) and Python's
``re`` for patterns, a 256-entry cache. Each hostile input is shrunk to a size at which that
still terminates (a slow server that answers after 0.5 s, a 22-character ReDoS subject, a
1 MB schema ...), so the "before" figure is a floor: the real inputs held the proxy 2.6-56 s.
"after" is the same step now: the request check (plan) with an empty cache, then validating
the model's answer (median of 3 runs: the machine is shared). Both run in this process, synchronously, as on the proxy's event loop.
Last: parsing and validating an ordinary answer (target: under 200 us).

.venv/bin/python bench/bench_tool_safety.py
"""

from __future__ import annotations

import http.server
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import jsonschema  # noqa: E402

from laas_provider.errors import InputError  # noqa: E402
from laas_provider.transform.tools import plan, read_answer  # noqa: E402
from laas_provider.transform.tools.limits import (  # noqa: E402
    MAX_ANSWER_DEPTH,
    MAX_TOOLS,
    MAX_TOOLS_BYTES,
)
from laas_provider.transform.tools.schemas import CACHE  # noqa: E402
from laas_provider.transform.tools.validate import schema_errors  # noqa: E402

SLOW_SERVER_S = 0.5
REDOS_CHARS = 22


# --- the approach on main before issue 18 (for the "before" column) ---------------------------


@lru_cache(maxsize=256)
def _old_compiled(canonical: str):
    schema = json.loads(canonical)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def old_check(schema) -> object:
    return _old_compiled(json.dumps(schema, sort_keys=True, separators=(",", ":")))


def old_errors(schema, value) -> list:
    return [e.message for e in old_check(schema).iter_errors(value)][:3]


# --- inputs --------------------------------------------------------------------------------


def tool(parameters, name="t") -> dict:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


def prop(schema) -> dict:
    return {"type": "object", "properties": {"a": schema}}


def nested(depth: int) -> dict:
    schema: dict = {"type": "object"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def wide(size: int, salt: str = "") -> dict:
    count = size // (86 + len(salt)) + 1
    properties = {
        f"p{salt}{i}": {"type": "string", "description": "x" * 20, "enum": ["a", "b"]}
        for i in range(count)
    }
    return {"type": "object", "properties": properties}


def slow_server() -> tuple[str, Callable[[], None]]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(SLOW_SERVER_S)
            body = b'{"enum": ["fetched"]}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/s.json", server.shutdown


def timed(step: Callable[[], object], repeat: int = 1) -> tuple[float, str]:
    """The step's time (the median of ``repeat`` runs, each with empty caches: first sight)."""
    times, outcome = [], ""
    for _ in range(repeat):
        CACHE.clear()
        _old_compiled.cache_clear()
        started = time.perf_counter()
        try:
            result = step()
            outcome = "ok" if not result else f"problem: {str(result[0])[:50]}"
        except InputError as exc:
            outcome = f"400 {exc.place}"
        except RecursionError:
            outcome = "RecursionError (a 500)"
        except Exception as exc:  # what the old approach raised
            outcome = f"{type(exc).__name__}"
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], outcome[:60]


def new_tools(tools, value=None) -> Callable[[], object]:
    answer = None
    if value is not None:
        try:
            answer = json.dumps({"tool_calls": [{"name": "t", "arguments": value}]})
        except RecursionError:  # too deep for any JSON text: validate the value itself
            answer = None

    def step():
        made = plan({"tools": tools}, emulation=True)
        if value is None:
            return []
        if answer is None:
            return schema_errors(tools[0]["function"]["parameters"], value)
        return read_answer(answer, None, made).problems

    return step


def old_tools(tools, value=None) -> Callable[[], object]:
    def step():
        for t in tools:
            old_check(t["function"]["parameters"])
        if value is None:
            return []
        return old_errors(tools[0]["function"]["parameters"], value)

    return step


def run() -> list[tuple[str, float, str, float, str]]:
    url, stop = slow_server()
    rows = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write('{"enum": ["read from disk"]}')
    redos = prop({"type": "string", "pattern": "^(a+)+$"})
    evil = {"a": "a" * REDOS_CHARS + "!"}
    cyclic = {"type": "object", "$ref": "#"}
    branches = [{"type": "object", "required": [f"k{i}"]} for i in range(500)]
    costly = prop({"type": "array", "items": {"anyOf": branches}})
    tree = {
        "type": "object",
        "$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}},
        "properties": {"a": {"$ref": "#/$defs/n"}},
    }
    deep_value: list = []
    cur = deep_value
    for _ in range(5_000):
        cur.append([])
        cur = cur[0]
    thousand = [tool(wide(400, str(i)), f"t{i}") for i in range(1000)]
    big = [tool(wide(1024 * 1024))]
    accepted_max = [tool(wide(120 * 1024, str(i)), f"t{i}") for i in range(2)]
    many_small = [tool(wide(1900, str(i)), f"t{i}") for i in range(MAX_TOOLS)]
    cases = [
        (f"$ref to a server answering after {SLOW_SERVER_S} s", [tool(prop({"$ref": url}))], {"a": 1}),
        ("$ref to a local file", [tool(prop({"$ref": Path(f.name).as_uri()}))], {"a": 1}),
        (f"ReDoS pattern, {REDOS_CHARS}-char answer", [tool(redos)], evil),
        ("ReDoS patternProperties", [tool({"type": "object", "patternProperties": {"^(a+)+$": {}}})],
         {"a" * REDOS_CHARS + "!": 1}),
        ("cyclic $ref", [tool(cyclic)], {"a": 1}),
        ("schema nested 100 deep", [tool(nested(100))], None),
        ("answer nested 5,000 deep (recursive schema)", [tool(tree)], {"a": deep_value}),
        ("anyOf x 500 over 2,000 items", [tool(costly)], {"a": [{"k499": 1}] * 2000}),
        ("1 MB schema", big, None),
        ("1,000 tools (400 B each)", thousand, None),
        ("accepted max: 2 x 120 KB schemas, first sight", accepted_max, None),
        (f"accepted max: {MAX_TOOLS} tools x 2 KB, first sight", many_small, None),
    ]  # fmt: skip
    for name, tools, value in cases:
        before, was = timed(old_tools(tools, value))
        after, now = timed(new_tools(tools, value), repeat=3)
        rows.append((name, before, was, after, now))
        print(f"  {name}: {before * 1000:.1f} ms -> {after * 1000:.2f} ms", flush=True)
    # The same big tool set resent (agents resend every turn): the 2nd request's cost.
    plan({"tools": accepted_max}, True)
    for t in thousand[:300]:  # old: 1,000 schemas through a 256-entry cache thrash
        old_check(t["function"]["parameters"])
    started = time.perf_counter()
    old_tools(thousand[:300])()
    before = time.perf_counter() - started
    started = time.perf_counter()
    plan({"tools": accepted_max}, True)
    after = time.perf_counter() - started
    rows.append(
        ("resent tool set (old: 300 tools, new: 2 x 120 KB)", before, "rechecked", after, "cached")
    )
    stop()
    os.unlink(f.name)
    return rows


def ordinary_us() -> float:
    tools = [
        tool({"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
              "required": ["city"]}, f"tool_{i}")
        for i in range(10)
    ]  # fmt: skip
    made = plan({"tools": tools}, emulation=True)
    answer = (
        'Sure. {"tool_calls": [{"name": "tool_1", "arguments": {"city": "Seoul", "days": 2}}, '
        '{"name": "tool_2", "arguments": {"city": "Busan"}}]}'
    )
    assert read_answer(answer, None, made).problems == []
    schema = tools[0]["function"]["parameters"]
    args = {"city": "Seoul", "days": 2}
    n = 2000
    figures = []
    for step in (
        lambda: read_answer(answer, None, made).problems,
        lambda: list(old_check(schema).iter_errors(args)),
        lambda: schema_errors(schema, args),
    ):
        started = time.perf_counter()
        for _ in range(n):
            step()
        figures.append((time.perf_counter() - started) / n * 1e6)
    return figures


def deep_answers() -> str:
    """Validating recursive answers as deep as the cap admits (median of 9): the time per
    depth as a ratio to 64 levels (the cap before issue 29), for a tree of ``$ref`` nodes and
    the same tree reached through ``anyOf`` (jsonschema's most frames per level)."""
    node = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/n"}}},
    }
    shapes = {
        "$ref tree": {"type": "object", "$defs": {"n": node}, "properties": {"r": {"$ref": "#/$defs/n"}}},
        "anyOf tree": {"type": "object", "$defs": {"n": {"anyOf": [node, {"type": "string"}]}},
                       "properties": {"r": {"$ref": "#/$defs/n"}}},
    }  # fmt: skip

    def tree(levels: int) -> dict:  # 2 * nodes + 2 JSON levels
        root: dict = {}
        value = {"r": root}
        for _ in range((levels - 2) // 2):
            root["kids"] = [child := {}]
            root = child
        return value

    depths = (64, 82, 128, MAX_ANSWER_DEPTH)
    lines = [
        f"Recursive answers up to the depth cap ({MAX_ANSWER_DEPTH} levels): median of 9, "
        "ratio to 64 levels",
        "",
        "| schema | " + " | ".join(f"{d} levels" for d in depths) + " |",
        "|---|" + "---:|" * len(depths),
    ]
    for name, schema in shapes.items():
        figures = []
        for depth in depths:
            value = tree(depth)
            assert schema_errors(schema, value) == [], (name, depth)
            times = []
            for _ in range(9):
                started = time.perf_counter()
                schema_errors(schema, value)
                times.append(time.perf_counter() - started)
            figures.append(sorted(times)[4])
        cells = [f"{t * 1000:.2f} ms ({t / figures[0]:.1f}x)" for t in figures]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(rows, ordinary: list[float]) -> str:
    lines = [
        "Hostile tool schemas (bench/bench_tool_safety.py): worst time on the event loop, "
        "one run, before (main's approach) vs after",
        "",
        "| input | before | before: outcome | after | after: outcome | before/after |",
        "|---|---:|---|---:|---|---:|",
    ]
    for name, before, was, after, now in rows:
        ratio = before / after if after else float("inf")
        lines.append(
            f"| {name} | {before * 1000:,.1f} ms | {was} | {after * 1000:,.2f} ms | {now} "
            f"| {ratio:,.0f}x |"
        )
    lines += [
        "",
        f"Parse + validate an ordinary answer (10 tools, 2 calls in prose): {ordinary[0]:.0f} us "
        f"({ordinary[0] / 200:.2f} of the 200 us target). Validating one call's arguments: "
        f"{ordinary[1]:.1f} us before, {ordinary[2]:.1f} us after "
        f"({ordinary[2] / ordinary[1]:.2f}x). Limits: {MAX_TOOLS} tools, "
        f"{MAX_TOOLS_BYTES // 1024} KB of tools.",
    ]
    return "\n".join(lines)


def report() -> str:
    """The table, for bench/run.py (about a minute, most of it the "before" column)."""
    rows = run()
    return table(rows, ordinary_us()) + "\n\n" + deep_answers()


def main() -> None:
    print(report())


if __name__ == "__main__":
    main()
