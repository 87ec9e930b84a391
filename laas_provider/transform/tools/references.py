"""A client's schema refers only inside itself (pure): every reference resolves within the
document, no in-place cycle, chains bounded (limits.py); and the registry its validator uses
fetches nothing (jsonschema's default retriever fetches `http://` and `file://` with no
timeout). Each refusal is a 400 naming the field and the limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import referencing
import referencing.exceptions
import referencing.jsonschema

from ...errors import refuse
from .limits import MAX_SCHEMA_DEPTH

REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


def _no_retrieval(uri: str) -> referencing.Resource:
    raise referencing.exceptions.NoSuchResource(ref=uri)


# Resolves only what the schema itself holds; any other URI fails instead of being fetched.
SAFE_REGISTRY: referencing.Registry = referencing.Registry(retrieve=_no_retrieval)  # type: ignore[call-arg]


def _in_place_refs(node: Any) -> Iterator[str]:
    """References applied to the same value as ``node`` (not to a part of it)."""
    stack = [node]
    while stack:
        here = stack.pop()
        if not isinstance(here, Mapping):
            continue
        for key in REF_KEYS:
            if isinstance(here.get(key), str):
                yield here[key]
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(here.get(key), list):
                stack.extend(here[key])
        for key in ("not", "if", "then", "else"):
            if key in here:
                stack.append(here[key])
        for key in ("dependentSchemas", "dependencies"):
            if isinstance(here.get(key), Mapping):
                stack.extend(here[key].values())


def references_resolve(
    schema: Mapping[str, Any], cls: type, refs: list[tuple[str, str]], place: str
) -> None:
    """Every reference resolves inside the schema; no in-place cycle; chains bounded."""
    resource = referencing.jsonschema.specification_with(
        cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
    ).create_resource(schema)
    resolver = SAFE_REGISTRY.with_resource("", resource).resolver()
    targets: dict[str, Any] = {}
    for where, ref in refs:
        if ref in targets:
            continue
        try:
            targets[ref] = resolver.lookup(ref).contents
        except referencing.exceptions.Unresolvable:
            raise refuse(where, f"{ref[:80]!r} does not resolve within the schema") from None
    # Longest chain of in-place references from each node, and cycles (depth-first, iterative).
    longest: dict[int, int] = {}
    for start in [schema, *targets.values()]:
        if id(start) in longest:
            continue
        on_path: set[int] = set()
        stack: list[tuple[Any, bool]] = [(start, False)]
        while stack:
            node, done = stack.pop()
            nid = id(node)
            nexts = [targets[r] for r in _in_place_refs(node) if r in targets]
            if done:
                on_path.discard(nid)
                longest[nid] = 1 + max((longest.get(id(n), 0) for n in nexts), default=0)
                if longest[nid] > MAX_SCHEMA_DEPTH:
                    raise refuse(place, f"has a $ref chain longer than {MAX_SCHEMA_DEPTH}")
                continue
            if nid in longest:
                continue
            on_path.add(nid)
            stack.append((node, True))
            for n in nexts:
                if id(n) in on_path:
                    raise refuse(
                        place,
                        "has a cyclic $ref that never descends into the answer "
                        '(e.g. {"$ref": "#"}): no value could ever be checked against it',
                    )
                if id(n) not in longest:
                    stack.append((n, False))
