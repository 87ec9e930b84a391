"""Checking a client's JSON schema before anything is sent, and the validators' cache (pure).

A schema is hostile until checked. It may only refer inside itself (`$ref`, `$dynamicRef`,
`$recursiveRef` to `#...`; no `$id` that names a location; `$schema` only a known draft); its
size, nesting, `$ref` chains and patterns are bounded (limits.py); a `$ref` cycle that never
descends into the answer (`{"$ref": "#"}`) is refused. Each refusal is a 400 naming the field
and the limit. References are resolved, and the validator's registry that fetches nothing is
kept, in references.py. Patterns run in RE2 (patterns.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
import orjson

from ...errors import refuse
from . import budget, patterns
from .limits import CACHE_SCHEMA_BYTES, MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH
from .references import REF_KEYS, SAFE_REGISTRY, references_resolve

_MISSING = object()


class Checked:
    """A checked schema; its validator is built on first use (a request offers many tools and
    the model calls one or two: building all 128 validators up front was a third of the cost)."""

    __slots__ = ("_built", "_cls", "schema", "size")

    def __init__(self, schema: Mapping[str, Any], cls: type, size: int) -> None:
        self.schema = schema
        self.size = size  # compact JSON bytes
        self._cls = cls
        self._built: jsonschema.protocols.Validator | None = None

    @property
    def validator(self) -> jsonschema.protocols.Validator:
        if self._built is None:
            self._built = self._cls(self.schema, registry=SAFE_REGISTRY)
        return self._built


def _place(link: tuple | None) -> str:
    keys: list[str] = []
    while link is not None:
        link, key = link
        keys.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(reversed(keys))


def canonical(schema: Any, place: str) -> bytes:
    """The schema's compact JSON with sorted keys: its size, and its key in the cache."""
    try:
        return orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:
        if "recursion" in str(exc).lower():
            raise refuse(place, f"is nested deeper than {MAX_SCHEMA_DEPTH} levels") from None
    _depth_within(schema, place)  # what orjson cannot encode (integers over 64 bits)
    return json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()


def _depth_within(value: Any, place: str) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise refuse(place, f"is nested deeper than {MAX_SCHEMA_DEPTH} levels")
        children = (
            node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else ()
        )
        stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping | list))


@dataclass
class _Found:
    refs: list[tuple[str, str]]  # (place, reference)
    unevaluated: str | None = None  # place of an unevaluatedProperties
    pattern_properties: str | None = None


_NOTED = frozenset({*REF_KEYS, "$id", "id", "$schema", "pattern", "patternProperties"})
_NOTED_TOO = _NOTED | {"unevaluatedProperties"}


def _path_to(root: Any, target: Any) -> str:
    """The place of ``target`` inside ``root`` (only on a refusal, so the walk stays lean)."""
    stack: list[tuple[Any, tuple | None]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is target:
            return _place(link)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, (link, k)) for k, v in items if isinstance(v, dict | list))
    return ""


def _walk(schema: Mapping[str, Any], place: str, draft4: bool) -> _Found:
    """Every node, iteratively: depth, references, identifiers, dialects and patterns.

    Deliberately blind to keywords' meaning: a `$ref` inside `enum` data or an unknown keyword
    can still be reached by a JSON pointer, so every one must stay inside the document.
    """
    found = _Found(refs=[])
    stack: list[tuple[Any, int]] = [(schema, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise refuse(place, f"is nested deeper than {MAX_SCHEMA_DEPTH} levels")
        if isinstance(node, dict):
            if not _NOTED_TOO.isdisjoint(node):
                where = place + _path_to(schema, node)
                for key in _NOTED_TOO.intersection(node):
                    _note(key, node[key], f"{where}.{key}", draft4, found)
            children = node.values()
        else:
            children = node
        depth += 1
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth))
    return found


def _note(key: str, value: Any, where: str, draft4: bool, found: _Found) -> None:
    if key == "unevaluatedProperties":
        found.unevaluated = where
        return
    if key == "patternProperties" and isinstance(value, Mapping):
        found.pattern_properties = where
        for name in value:
            _check_pattern(name, f"{where}.{name}")
    if not isinstance(value, str):
        return
    if key in REF_KEYS:
        if not value.startswith("#"):
            raise refuse(
                where,
                f"refers outside the schema ({value[:80]!r}); only references within the same "
                "schema (starting with '#') are allowed: nothing is fetched",
            )
        found.refs.append((where, value))
    elif (key == "$id" or (key == "id" and draft4)) and not value.startswith("#"):
        raise refuse(
            where,
            "may not name a location: a schema here is one document, referred to with '#...'",
        )
    elif (
        key == "$schema" and jsonschema.validators.validator_for({key: value}, _MISSING) is _MISSING
    ):
        raise refuse(where, f"is not a known JSON Schema draft ({value[:80]!r})")
    elif key == "pattern":
        _check_pattern(value, where)


def _check_pattern(value: str, where: str) -> None:
    try:
        patterns.compiled(value)
    except patterns.PatternError as exc:
        raise refuse(where, f"pattern {value[:80]!r} {exc}") from None


def _meta_check(schema: Mapping[str, Any], place: str) -> None:
    """Valid against its draft's metaschema (jsonschema-rs: ~100x faster than check_schema)."""
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as exc:
        where = "/".join(str(p) for p in exc.instance_path)
        at = f" at {where[:200]}" if where else ""
        raise refuse(place, f"is not a valid JSON schema{at}: {exc.message[:300]}") from None
    except (jsonschema_rs.ReferencingError, ValueError) as exc:
        raise refuse(place, f"is not a valid JSON schema: {exc}") from None


_CLASSES: dict[type, type] = {}


def _safe_class(cls: type) -> type:
    if cls not in _CLASSES:
        keywords = {**cls.VALIDATORS, **patterns.KEYWORDS}
        counted = {name: budget.counted(fn) for name, fn in keywords.items()}
        _CLASSES[cls] = jsonschema.validators.extend(cls, counted)
    return _CLASSES[cls]


def _compile(schema: Any, place: str, size: int) -> Checked:
    if not isinstance(schema, Mapping):
        # A boolean schema is valid JSON Schema, but an answer's schema must say something.
        raise refuse(place, "must be a JSON schema object")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    found = _walk(
        schema, place, draft4=cls in (jsonschema.Draft3Validator, jsonschema.Draft4Validator)
    )
    if found.unevaluated and found.pattern_properties:
        raise refuse(
            found.unevaluated,
            "is not supported together with patternProperties (its patterns would run "
            "outside the linear-time engine)",
        )
    _meta_check(schema, place)
    if found.refs:
        references_resolve(schema, cls, found.refs, place)
    return Checked(schema, _safe_class(cls), size)


class _Cache:
    """Checked validators by the digest of their canonical JSON, bounded by total schema bytes
    (not by count: 1,000 small schemas fit where a few big ones would otherwise pin ~GBs)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.entries: OrderedDict[bytes, Checked] = OrderedDict()

    def get(self, key: bytes) -> Checked | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: bytes, checked: Checked) -> None:
        self.entries[key] = checked
        self.used += checked.size
        while self.used > self.budget and len(self.entries) > 1:
            _, old = self.entries.popitem(last=False)
            self.used -= old.size

    def clear(self) -> None:
        self.entries.clear()
        self.used = 0


CACHE = _Cache(CACHE_SCHEMA_BYTES)


def checked(schema: Any, place: str, max_bytes: int = MAX_SCHEMA_BYTES) -> Checked:
    """The validator for a client's schema, checked once and cached; a 400 naming ``place``."""
    text = canonical(schema, place)
    if len(text) > max_bytes:
        raise refuse(
            place, f"is {len(text):,} bytes as compact JSON; the limit is {max_bytes:,} bytes"
        )
    key = hashlib.blake2b(text, digest_size=20).digest()
    hit = CACHE.get(key)
    if hit is None:
        hit = _compile(schema, place, len(text))
        CACHE.put(key, hit)
    return hit
