"""Hostile tool schemas and answers (pure): nothing fetched or read, every bound a 400 naming
the field and the limit before any call, every hostile answer a validation problem."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import referencing.exceptions

from laas_provider.errors import InputError
from laas_provider.transform.tools import budget, plan, read_answer
from laas_provider.transform.tools import schemas as schemas_module
from laas_provider.transform.tools.limits import (
    MAX_ANSWER_DEPTH,
    MAX_SCHEMA_BYTES,
    MAX_SCHEMA_DEPTH,
    MAX_TOOLS,
    MAX_TOOLS_BYTES,
    VALIDATION_SECONDS,
    VALIDATION_STEPS,
)
from laas_provider.transform.tools.references import SAFE_REGISTRY
from laas_provider.transform.tools.schemas import CACHE, checked
from laas_provider.transform.tools.validate import check_calls, schema_errors


def tool(parameters: object, name: str = "t", description: str = "") -> dict:
    function = {"name": name, "description": description, "parameters": parameters}
    return {"type": "function", "function": function}


def refused(params: dict) -> InputError:
    with pytest.raises(InputError) as caught:
        plan(params, emulation=True)
    return caught.value


def with_property(schema: dict) -> dict:
    return {"type": "object", "properties": {"a": schema}}


def nested(depth: int) -> dict:
    schema: dict = {"type": "object"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that serves a schema and counts every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps({"enum": ["FETCHED-SECRET"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/schema.json", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_urlopen(monkeypatch):
    """jsonschema's default retriever fetches with urlopen: any call fails the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError(f"a schema made the proxy open {args[:1]}")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)


@pytest.fixture(autouse=True)
def fresh_cache():
    CACHE.clear()
    yield
    CACHE.clear()


# --- references stay inside the schema -------------------------------------------------------


@pytest.mark.parametrize("key", ["$ref", "$dynamicRef", "$recursiveRef"])
def test_remote_reference_is_refused_and_nothing_is_fetched(counting_server, no_urlopen, key):
    url, hits = counting_server
    error = refused({"tools": [tool(with_property({key: url}))]})
    assert error.place == f"tools[0].function.parameters.properties.a.{key}"
    assert "refers outside the schema" in error.problem
    assert hits == []


def test_file_reference_is_refused_and_the_file_is_not_read(tmp_path, no_urlopen):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"enum": ["FILE-SECRET"]}))
    error = refused({"tools": [tool(with_property({"$ref": secret.as_uri()}))]})
    assert error.place == "tools[0].function.parameters.properties.a.$ref"
    assert "FILE-SECRET" not in str(error)


def test_remote_reference_in_response_format_is_refused(counting_server, no_urlopen):
    url, hits = counting_server
    schema = {"type": "object", "properties": {"a": {"$ref": url}}}
    error = refused({"response_format": {"type": "json_schema", "json_schema": {"schema": schema}}})
    assert error.place == "response_format.json_schema.schema.properties.a.$ref"
    assert hits == []


def test_reference_hidden_in_data_reached_by_a_pointer_is_refused(counting_server, no_urlopen):
    url, hits = counting_server
    schema = {"type": "object", "x-data": {"$ref": url}, "properties": {"a": {"$ref": "#/x-data"}}}
    error = refused({"tools": [tool(schema)]})
    assert error.place == "tools[0].function.parameters.x-data.$ref"
    assert hits == []


def test_the_validator_itself_cannot_fetch_even_past_the_checks(counting_server, no_urlopen):
    # Defence in depth: a validator built the way schemas.py builds it, from a schema that never
    # went through the checks, fails to resolve instead of fetching.
    url, hits = counting_server
    schema = {"type": "object", "properties": {"a": {"$ref": url}}}
    cls = schemas_module._safe_class(schemas_module.jsonschema.Draft202012Validator)
    validator = cls(schema, registry=SAFE_REGISTRY)
    with pytest.raises(referencing.exceptions.Unresolvable):
        list(validator.iter_errors({"a": 1}))
    assert hits == []


@pytest.mark.parametrize(
    ("schema", "place", "words"),
    [
        ({"$id": "http://127.0.0.1:9/s", "type": "object"}, ".$id", "may not name a location"),
        ({"$schema": "http://127.0.0.1:9/meta", "type": "object"}, ".$schema", "not a known"),
        (with_property({"$ref": "#/$defs/missing"}), ".properties.a.$ref", "does not resolve"),
        (
            {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
             "properties": {"a": {"id": "http://127.0.0.1:9/x", "type": "string"}}},
            ".properties.a.id",
            "may not name a location",
        ),
    ],
)  # fmt: skip
def test_identifiers_and_dialects_that_point_elsewhere_are_refused(schema, place, words):
    error = refused({"tools": [tool(schema)]})
    assert error.place == "tools[0].function.parameters" + place
    assert words in error.problem


def test_references_inside_the_schema_and_known_drafts_are_accepted():
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "definitions": {"city": {"type": "string", "minLength": 1}},
        "properties": {"city": {"$ref": "#/definitions/city"}},
        "required": ["city"],
    }
    made = plan({"tools": [tool(schema)]}, emulation=True)
    assert schema_errors(made.tools["t"].parameters, {"city": ""}) == [
        "city: '' should be non-empty"
    ]


# --- cycles and depth ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "$ref": "#"},
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}},
         "$defs": {"x": {"allOf": [{"$ref": "#/$defs/y"}]}, "y": {"anyOf": [{"$ref": "#/$defs/x"}]}}},
        {"type": "object", "$defs": {"x": {"not": {"$ref": "#/$defs/x"}}},
         "properties": {"a": {"$ref": "#/$defs/x"}}},
    ],
)  # fmt: skip
def test_a_cycle_that_never_descends_into_the_answer_is_refused(schema):
    error = refused({"tools": [tool(schema)]})
    assert error.place == "tools[0].function.parameters"
    assert "cyclic $ref" in error.problem


def test_a_long_chain_of_references_is_refused():
    defs = {f"d{i}": {"$ref": f"#/$defs/d{i + 1}"} for i in range(200)}
    defs["d200"] = {"type": "string"}
    error = refused({"tools": [tool({"type": "object", "$defs": defs, "$ref": "#/$defs/d0"})]})
    assert f"longer than {MAX_SCHEMA_DEPTH}" in error.problem


TREE = {
    "type": "object",
    "$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
    "properties": {"root": {"$ref": "#/$defs/node"}},
}  # fmt: skip


def tree_value(levels: int) -> dict:
    root: dict = {}
    value = {"root": root}
    for _ in range(levels):
        child: dict = {}
        root["kids"] = [child]
        root = child
    return value


def test_a_recursive_schema_that_descends_is_accepted_and_validates():
    plan({"tools": [tool(TREE)]}, emulation=True)
    assert schema_errors(TREE, tree_value(20)) == []
    bad = tree_value(5)
    bad["root"]["kids"][0]["kids"] = "no"
    assert schema_errors(TREE, bad) == ["root/kids/0/kids: 'no' is not of type 'array'"]


def test_a_recursive_answer_82_levels_deep_validates():
    # A tree 40 nodes deep is 82 JSON levels: the 64-level cap refused it (a repair, a 502).
    assert schema_errors(TREE, tree_value(40)) == []


# The same tree, each node reached through anyOf: jsonschema's most frames per level (~4.1).
ANY_TREE = {
    "type": "object",
    "$defs": {"node": {"anyOf": [{"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}, {"type": "string"}]}},
    "properties": {"root": {"$ref": "#/$defs/node"}},
}  # fmt: skip


@pytest.mark.parametrize("schema", [TREE, ANY_TREE], ids=["ref", "anyof-ref"])
def test_an_answer_at_the_depth_cap_validates_in_bounded_time_even_called_deep(schema, monkeypatch):
    # The step budget holds as is; the clock's deadline (40 ms) is widened so that a loaded
    # machine cannot turn this valid answer into "too costly": the time is asserted below.
    monkeypatch.setattr(budget, "VALIDATION_SECONDS", 1.0)
    levels = (MAX_ANSWER_DEPTH - 2) // 2  # tree_value(n) is 2n + 2 JSON levels: the cap
    value = tree_value(levels)

    def called_from(frames: int) -> list[str]:  # the proxy calls from ~30 frames deep
        return called_from(frames - 1) if frames else schema_errors(schema, value)

    started = time.perf_counter()
    # jsonschema recurses 3.2-4.1 frames a level; Python's limit is 1,000 frames.
    assert called_from(100) == []
    # ~3-8 ms measured here (bench/bench_tool_safety.py); a wide margin for a loaded machine.
    assert time.perf_counter() - started < 10 * VALIDATION_SECONDS
    if schema is ANY_TREE:
        return  # its error reports every level (~12 ms): the shape above is enough here
    leaf = value["root"]
    for _ in range(levels):
        leaf = leaf["kids"][0]
    leaf["kids"] = "no"
    (problem,) = schema_errors(schema, value)
    assert problem.endswith("kids: 'no' is not of type 'array'"), problem


def test_the_deepest_answer_costs_bounded_time_whatever_the_schema():
    # Each level tries 20 branches that all descend before failing: 20^levels steps unbounded.
    branch = {"required": ["k"], "properties": {"kids": {"items": {"$ref": "#/$defs/node"}}}}
    schema = {
        "type": "object",
        "$defs": {"node": {"anyOf": [{**branch, "title": str(i)} for i in range(20)]}},
        "properties": {"root": {"$ref": "#/$defs/node"}},
    }
    plan({"tools": [tool(schema)]}, emulation=True)
    started = time.perf_counter()
    problems = schema_errors(schema, tree_value((MAX_ANSWER_DEPTH - 2) // 2))
    assert time.perf_counter() - started < 10 * VALIDATION_SECONDS
    # Stopped by the step budget or, deep first, by Python's recursion limit: either is a
    # problem for the repair call, in bounded time.
    assert len(problems) == 1, problems
    assert "too costly" in problems[0] or "nested too deeply" in problems[0], problems


@pytest.mark.parametrize("levels", [MAX_ANSWER_DEPTH, 1_000, 100_000])
def test_a_deep_answer_is_a_problem_not_a_crash(levels):
    assert schema_errors(TREE, tree_value(levels)) == [
        f"the value is nested deeper than {MAX_ANSWER_DEPTH} levels"
    ]


def test_deep_arguments_text_is_a_problem_not_a_crash():
    made = plan({"tools": [tool({"type": "object"})]}, emulation=True)
    call = {"id": "c", "type": "function", "function": {"name": "t", "arguments": "[" * 100_000}}
    assert check_calls([call], made) == ["tool call 0 (t): arguments are not valid JSON"]


@pytest.mark.parametrize("depth", [MAX_SCHEMA_DEPTH, 300, 100_000])
def test_a_deeply_nested_schema_is_refused_with_the_limit(depth):
    error = refused({"tools": [tool(nested(depth))]})
    assert error.place == "tools[0].function.parameters"
    assert f"nested deeper than {MAX_SCHEMA_DEPTH} levels" in error.problem


def test_a_schema_nested_within_the_limit_is_accepted():
    plan({"tools": [tool(nested(MAX_SCHEMA_DEPTH // 2 - 2))]}, emulation=True)


# --- patterns run in linear time -------------------------------------------------------------

REDOS = with_property({"type": "string", "pattern": "^(a+)+$"})


def test_a_catastrophic_pattern_runs_in_linear_time_on_the_answer():
    # Python's re would take ~2^60 steps here; RE2 answers at once.
    made = plan({"tools": [tool(REDOS)]}, emulation=True)
    answer = json.dumps({"tool_calls": [{"name": "t", "arguments": {"a": "a" * 60 + "!"}}]})
    reading = read_answer(answer, None, made)
    assert reading.problems == [f"tool call 0 (t): a: {'a' * 60 + '!'!r} does not match '^(a+)+$'"]
    assert read_answer(answer.replace("!", ""), None, made).problems == []


def test_a_catastrophic_pattern_in_response_format_runs_in_linear_time():
    made = plan(
        {"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": REDOS}}},
        emulation=False,
    )
    reading = read_answer(json.dumps({"a": "a" * 60 + "!"}), None, made)
    assert len(reading.problems) == 1 and "does not match" in reading.problems[0]


def test_catastrophic_pattern_properties_run_in_linear_time():
    schema = {
        "type": "object",
        "patternProperties": {"^(a+)+$": {"type": "integer"}},
        "additionalProperties": False,
    }
    plan({"tools": [tool(schema)]}, emulation=True)
    key = "a" * 60 + "!"
    assert schema_errors(schema, {key: 1, "aaa": "x"}) == [
        "aaa: 'x' is not of type 'integer'",
        f"{key!r} does not match any of the regexes: '^(a+)+$'",
    ]


@pytest.mark.parametrize(
    ("schema", "place"),
    [
        (with_property({"type": "string", "pattern": "(?=a)b"}), ".properties.a.pattern"),
        (with_property({"type": "string", "pattern": "(a)\\1"}), ".properties.a.pattern"),
        (with_property({"type": "string", "pattern": "a" * 1001}), ".properties.a.pattern"),
        (with_property({"type": "string", "pattern": "(?<!x)y"}), ".properties.a.pattern"),
        ({"type": "object", "patternProperties": {"(?!x)": {}}}, ".patternProperties.(?!x)"),
    ],
)
def test_a_pattern_that_cannot_run_in_linear_time_is_refused(schema, place):
    error = refused({"tools": [tool(schema)]})
    assert error.place == "tools[0].function.parameters" + place
    assert "pattern" in error.problem


def test_unevaluated_properties_beside_pattern_properties_is_refused():
    schema = {
        "type": "object",
        "patternProperties": {"^x": {}},
        "unevaluatedProperties": False,
    }
    error = refused({"tools": [tool(schema)]})
    assert error.place == "tools[0].function.parameters.unevaluatedProperties"


# --- sizes, counts and cost ------------------------------------------------------------------


def big_schema(size: int, salt: int = 0) -> dict:
    per = len(json.dumps({"p00000": {"type": "string"}}, separators=(",", ":")))
    count = size // per + 1
    properties = {f"p{salt}{i:05d}": {"type": "string"} for i in range(count)}
    return {"type": "object", "properties": properties}


def test_a_schema_over_the_size_limit_is_refused_with_the_limit():
    error = refused({"tools": [tool(big_schema(MAX_SCHEMA_BYTES + 10))]})
    assert error.place == "tools[0].function.parameters"
    assert f"the limit is {MAX_SCHEMA_BYTES:,} bytes" in error.problem


def test_tools_over_the_total_size_limit_are_refused_with_the_limit():
    size = MAX_SCHEMA_BYTES - 1024
    tools = [tool(big_schema(size, i), f"t{i}") for i in range(MAX_TOOLS_BYTES // size + 1)]
    error = refused({"tools": tools})
    assert error.place == "tools"
    assert f"the limit is {MAX_TOOLS_BYTES:,}" in error.problem


def test_too_many_tools_are_refused_with_the_limit():
    error = refused({"tools": [tool({"type": "object"}, f"t{i}") for i in range(MAX_TOOLS + 1)]})
    assert (error.place, error.problem) == (
        "tools",
        f"has {MAX_TOOLS + 1:,} tools; the limit is {MAX_TOOLS}",
    )
    plan({"tools": [tool({"type": "object"}, f"t{i}") for i in range(MAX_TOOLS)]}, emulation=True)


def claude_code_like_tools() -> list[dict]:
    """24 tools of the size and shape Claude Code sends (draft-07, long descriptions)."""
    tools = []
    for i in range(24):
        properties = {
            f"field_{j}": {"type": "string", "description": "What this field holds. " * 8}
            for j in range(8)
        }
        properties["items"] = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"status": {"type": "string", "enum": ["pending", "done"]}},
                "required": ["status"],
                "additionalProperties": False,
            },
        }
        schema = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
            "required": ["field_0"],
            "additionalProperties": False,
        }
        tools.append(tool(schema, f"Tool{i}", "How and when to use this tool. " * 80))
    return tools


def test_a_claude_code_sized_tool_set_is_accepted():
    tools = claude_code_like_tools()
    assert len(json.dumps(tools)) > 90_000
    made = plan({"tools": tools}, emulation=True)
    assert len(made.tools) == 24


def test_the_cache_is_bounded_by_schema_bytes_and_serves_repeated_tool_sets():
    first = checked(big_schema(60_000, 1), "s")
    assert checked(big_schema(60_000, 1), "s") is first  # the same tools resent: one check
    for salt in range(2, 2 + CACHE.budget // 60_000 + 20):
        checked(big_schema(60_000, salt), "s")
    assert CACHE.used <= CACHE.budget
    assert checked(big_schema(60_000, 1), "s") is not first  # evicted, checked again


def test_validation_work_is_bounded_whatever_schema_and_answer():
    branches = [{"type": "object", "required": [f"k{i}"]} for i in range(500)]
    schema = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"anyOf": branches}}},
    }
    plan({"tools": [tool(schema)]}, emulation=True)
    # Every item matches only the last of 500 branches: 1,000,000 branch checks, unbounded.
    problems = schema_errors(schema, {"a": [{"k499": 1}] * 2_000})
    assert problems == [
        f"the value is too costly to check against the schema (over {VALIDATION_STEPS:,} "
        f"steps or {VALIDATION_SECONDS * 1000:.0f} ms); answer with a smaller value"
    ]
    assert schema_errors(schema, {"a": [{"k3": 1}]}) == []


# --- the request guard's coarse form, before LiteLLM copies the request ----------------------


def test_the_guard_refuses_oversized_tools_before_litellm_reads_them():
    from laas_provider.proxy.shape import check_chat_request

    body = {"messages": [{"role": "user", "content": "hi"}]}
    many = [tool({"type": "object"}, f"t{i}") for i in range(MAX_TOOLS + 1)]
    with pytest.raises(InputError) as caught:
        check_chat_request({**body, "tools": many})
    assert (caught.value.place, caught.value.problem) == (
        "tools",
        f"has {MAX_TOOLS + 1:,} tools; the limit is {MAX_TOOLS}",
    )
    with pytest.raises(InputError) as caught:
        check_chat_request({**body, "tools": [tool(big_schema(2 * MAX_TOOLS_BYTES + 1))]})
    assert caught.value.place == "tools"
    assert f"the limit is {MAX_TOOLS_BYTES:,} bytes" in caught.value.problem
    schema = big_schema(2 * MAX_SCHEMA_BYTES + 1)
    fmt = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    with pytest.raises(InputError) as caught:
        check_chat_request({**body, "response_format": fmt})
    assert caught.value.place == "response_format.json_schema.schema"
    check_chat_request({**body, "tools": claude_code_like_tools()})
