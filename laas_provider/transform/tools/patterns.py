"""Client-given regular expressions, run by RE2 (linear time), never by Python's `re` (pure).

jsonschema runs `pattern`, `patternProperties` (and `additionalProperties` beside them) with
`re.search`, which backtracks: `^(a+)+$` on 25 characters froze the proxy for seconds. These
keyword functions replace jsonschema's own with the same messages; RE2 refuses what it cannot
run in linear time (lookaround, backreferences), which the request check turns into a 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema.exceptions import ValidationError

from . import budget
from .limits import MAX_PATTERN_CHARS, PATTERN_MAX_MEM

_OPTIONS = re2.Options()
_OPTIONS.max_mem = PATTERN_MAX_MEM
_OPTIONS.log_errors = False  # a refused pattern is the client's 400, not a line on stderr


class PatternError(ValueError):
    pass


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    """The RE2 program for ``pattern``, or PatternError saying why it cannot be run."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(f"is longer than {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0] if exc.args else exc
        why = why.decode(errors="replace") if isinstance(why, bytes) else str(why)
        raise PatternError(
            f"cannot be run in linear time ({why}); lookaround and backreferences are not supported"
        ) from None


def search(pattern: str, text: str) -> bool:
    budget.spend(1 + len(text) // 16)  # RE2 is linear; this bounds the sum over all searches
    return compiled(pattern).search(text) is not None


def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def pattern_properties(
    validator: Any, patterns: dict, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            if search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def _additional(instance: dict, schema: Any) -> list[str]:
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [
        key
        for key in instance
        if key not in properties and not any(search(p, key) for p in patterns)
    ]


def additional_properties(
    validator: Any, ap: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(ap, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], ap, path=extra)
    elif not ap and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            listed = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")
        else:
            unexpected = ", ".join(repr(each) for each in sorted(extras, key=str))
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({unexpected} {verb} unexpected)"
            )


KEYWORDS = {
    "pattern": pattern,
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
}
