"""Hostile tool schemas through the real proxy (issue 18): each gets its 400 (or a bounded
502) with nothing fetched or read, while an ordinary request running beside it is not held.

The bound is generous: 750 ms over the worse of the ordinary request's own time and its time
beside a *control* — the same body sent for a model the proxy does not have, so the plugin
never sees it. On main, the plugin itself held other requests 2.6-56 s on these inputs.

Big schemas here are made of long strings, not of many small objects: LiteLLM's own request
path spends tens of microseconds per JSON object of a body before the plugin runs (a 3.5 MB
schema of 60,000 properties held other requests ~2-3 s, for an unknown model too, and ~1 s
more on a LaaS model for 820 KB of 14,000; docs/security.md), which no plugin limit can undo.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import httpx
import openai
import pytest

from laas_provider.transform.tools.limits import MAX_SCHEMA_BYTES, MAX_TOOLS, MAX_TOOLS_BYTES

from .beside import alone, beside_ordinary

HELD_BOUND_S = 0.75  # the old freezes were 2.6-56 s; a loaded 2-core CI adds ~100 ms of noise
QUESTION = [{"role": "user", "content": "Fill in the tool call."}]
REDOS = "^(a+)+$"
EVIL = "a" * 30 + "!"  # ~2^30 backtracking steps in Python's re: minutes on one core


def script(emulator, *answers) -> None:
    httpx.post(
        f"{emulator.url}/_emulator/script", json={"preset": "agent", "answers": list(answers)}
    ).raise_for_status()


def tool(parameters: object, name: str = "t") -> dict:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


def with_property(schema: dict) -> dict:
    return {"type": "object", "properties": {"a": schema}, "required": ["a"]}


@pytest.fixture
def baseline(client) -> float:
    """The ordinary request's worst time on its own, right now (the machine is shared)."""
    return alone(client)


def held(client, baseline: float, **kwargs) -> tuple[list, float, float]:
    """The hostile request's outcomes, the worst ordinary latency beside it, and the bound."""
    control = create(client, **kwargs, extra_body={"model": "no-such-model"})
    _, control_worst = beside_ordinary(client, control)
    outcomes, worst = beside_ordinary(client, create(client, **kwargs))
    return outcomes, worst, max(baseline, control_worst) + HELD_BOUND_S


def report(worst: float, bound: float) -> None:
    print(f"ordinary request beside it: worst {worst * 1000:.0f} ms, bound {bound * 1000:.0f} ms")
    assert worst <= bound, (worst, bound)


def assert_refused(outcomes: list, place: str, words: str) -> None:
    for outcome in outcomes:
        assert isinstance(outcome, openai.BadRequestError), outcome
        message = str(outcome.body)
        assert place in message and words in message, message


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A loopback port that accepts connections into its backlog and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock
    sock.close()


def nobody_connected(sock: socket.socket) -> bool:
    sock.settimeout(0.2)
    try:
        sock.accept()[0].close()
    except TimeoutError:
        return True
    return False


def create(client, **kwargs) -> Callable[[], object]:
    return lambda: client.chat.completions.create(model="laas-agent", messages=QUESTION, **kwargs)


def test_remote_ref_to_a_silent_server_is_refused_at_once(
    client, emulator, baseline, silent_server
):
    url = f"http://127.0.0.1:{silent_server.getsockname()[1]}/schema.json"
    outcomes, worst, bound = held(client, baseline, tools=[tool(with_property({"$ref": url}))])
    assert_refused(outcomes, "tools[0].function.parameters.properties.a.$ref", "refers outside")
    assert nobody_connected(silent_server)
    assert emulator.received() == [] or all("tools" not in str(r) for r in emulator.received())
    report(worst, bound)


def test_file_ref_is_refused_and_the_file_never_read(client, baseline, tmp_path):
    secret = tmp_path / "enum.json"
    secret.write_text(json.dumps({"enum": ["FILE-SECRET-1234"]}))
    parameters = with_property({"$ref": secret.as_uri()})
    outcomes, worst, bound = held(client, baseline, tools=[tool(parameters)])
    assert_refused(outcomes, "tools[0].function.parameters.properties.a.$ref", "refers outside")
    assert all("FILE-SECRET" not in str(o.body) for o in outcomes)
    report(worst, bound)


def test_redos_pattern_in_tools_is_a_bounded_502(client, emulator, baseline):
    bad = json.dumps({"tool_calls": [{"name": "t", "arguments": {"a": EVIL}}]})
    script(emulator, bad, bad, bad, bad)  # each request: the answer and the one repair
    parameters = with_property({"type": "string", "pattern": REDOS})
    outcomes, worst, bound = held(client, baseline, tools=[tool(parameters)])
    for outcome in outcomes:
        assert isinstance(outcome, openai.APIStatusError) and outcome.status_code == 502, outcome
        assert "does not match" in str(outcome.body)
    report(worst, bound)


def test_redos_pattern_in_response_format_is_a_bounded_502(client, emulator, baseline):
    bad = json.dumps({"a": EVIL})
    script(emulator, bad, bad, bad, bad)
    schema = with_property({"type": "string", "pattern": REDOS})
    fmt = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    outcomes, worst, bound = held(client, baseline, response_format=fmt)
    for outcome in outcomes:
        assert isinstance(outcome, openai.APIStatusError) and outcome.status_code == 502, outcome
    report(worst, bound)


def test_redos_pattern_answered_well_still_works(client, emulator):
    script(emulator, json.dumps({"tool_calls": [{"name": "t", "arguments": {"a": "aaaa"}}]}))
    reply = create(client, tools=[tool(with_property({"type": "string", "pattern": REDOS}))])()
    assert json.loads(reply.choices[0].message.tool_calls[0].function.arguments) == {"a": "aaaa"}


def test_lookahead_pattern_is_refused(client):
    send = create(client, tools=[tool(with_property({"type": "string", "pattern": "(?=a)a"}))])
    assert_refused(
        [_call(send)], "tools[0].function.parameters.properties.a.pattern", "linear time"
    )


def _call(send: Callable[[], object]) -> object:
    try:
        return send()
    except openai.APIStatusError as exc:
        return exc


def test_cyclic_ref_is_refused(client, baseline):
    outcomes, worst, bound = held(client, baseline, tools=[tool({"type": "object", "$ref": "#"})])
    assert_refused(outcomes, "tools[0].function.parameters", "cyclic $ref")
    report(worst, bound)


def test_deeply_nested_schema_is_refused(client, baseline):
    schema: dict = {"type": "object"}
    for _ in range(100):
        schema = {"type": "object", "properties": {"a": schema}}
    outcomes, worst, bound = held(client, baseline, tools=[tool(schema)])
    assert_refused(outcomes, "tools[0].function.parameters", "nested deeper than 64 levels")
    report(worst, bound)


def test_huge_schema_is_refused(client, baseline):
    properties = {f"p{i}": {"type": "string", "description": "x" * 100_000} for i in range(30)}
    schema = {"type": "object", "properties": properties}  # ~3 MB
    outcomes, worst, bound = held(client, baseline, tools=[tool(schema)])
    # Refused by the request guard, before LiteLLM copies and logs the request.
    assert_refused(outcomes, "tools", f"the limit is {MAX_TOOLS_BYTES:,} bytes")
    report(worst, bound)


def test_a_schema_just_over_its_limit_is_refused_by_the_handler(client, baseline):
    properties = {f"p{i}": {"type": "string", "description": "x" * 1_000} for i in range(170)}
    schema = {"type": "object", "properties": properties}  # ~170 KB
    outcomes, worst, bound = held(client, baseline, tools=[tool(schema)])
    assert_refused(
        outcomes, "tools[0].function.parameters", f"the limit is {MAX_SCHEMA_BYTES:,} bytes"
    )
    report(worst, bound)


def test_a_thousand_tools_are_refused(client, baseline):
    tools = [
        tool({"type": "object", "properties": {"x": {"type": "string"}}}, f"t{i}")
        for i in range(1000)
    ]
    outcomes, worst, bound = held(client, baseline, tools=tools)
    assert_refused(outcomes, "tools", f"the limit is {MAX_TOOLS}")
    report(worst, bound)
