"""Finding JSON in an answer's text in one pass, and decoding it leniently (pure).

Linear in the text's size and free of recursion, whatever the text: one scan over the
brackets and strings records the balanced ``{...}``/``[...]`` spans (and an unclosed one,
an answer cut off); each span is then decoded at most once, within a budget of characters.
Lenient decoding goes from cheap and exact to bounded repair: orjson; the standard
decoder without ``strict`` (raw newlines and tabs inside strings); Python's own literal
syntax (single quotes, ``True``/``None``, trailing commas, ``#`` comments); and, for small
spans only, the ``json_repair`` library (comments, missing commas, stray quotes), whose
cost grows faster than the text (measured ~20 ms for 1 kB of hostile text).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, NamedTuple

import json_repair
import orjson

MAX_DEPTH = 64  # deeper spans are not decoded leniently (orjson alone refuses > 1024)
MAX_TOKENS = 10_000  # brackets and quotes read per text (~1 µs each)
MAX_LEVEL = 2  # spans nested deeper than this are not recorded (only tried inside a failed span)
LITERAL_MAX_CHARS = 32_000  # Python's parser: ~0.3 µs a character
REPAIR_MAX_CHARS = 1_000  # json_repair: superlinear, ~20 µs a character on hostile text
REPAIR_MAX_TRIES = 2  # json_repair calls per answer
LITERAL_MAX_TRIES = 8  # Python reads per answer, literals and calls (~20 µs each, small)
PYTHON_MAX_COST = 6_000  # calls written as Python, per answer: characters outside strings
MAX_ATTEMPTS = 256  # spans decoded per answer
BUDGET_FACTOR = 3  # characters decoded per answer: at most this many times its length

_TOKEN = re.compile(r'[{}\[\]"]')
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)  # after an opening quote
_CLOSER = {"}": "{", "]": "["}
# What may follow an opener in JSON (or in the JSON-like text we repair).
_JSONISH = re.compile(r"""[{\[]\s*(?:["'{\[\]}\-0-9/#]|true|false|null|True|False|None)""")


class Span(NamedTuple):  # a tuple: ~3x cheaper to make than a frozen dataclass
    start: int
    end: int  # exclusive; the text's length when not closed
    level: int  # 0: not inside another span
    depth: int  # nesting inside, 1 for a flat object
    closed: bool


def spans(text: str) -> list[Span]:
    """The bracketed spans of ``text`` up to MAX_LEVEL, in order of their start, and the
    outermost unclosed one (an answer cut off) last. Strings are only read inside spans:
    quotes in prose do not count. At most MAX_TOKENS brackets and quotes are read: the
    rest of a longer text counts as unclosed."""
    found: list[Span] = []
    stack: list[list[Any]] = []  # [opener, start, deepest level reached inside]
    skip_to, size = 0, len(text)
    for count, match in enumerate(_TOKEN.finditer(text)):
        at = match.start()
        if at < skip_to:
            continue
        if count >= MAX_TOKENS:
            if not stack:
                stack.append(["{", at, 0])
            break
        char = match.group()
        if char == '"':
            if stack:  # a JSON string: jump over it (an unterminated one runs to the end)
                rest = _STRING_REST.match(text, at + 1)
                skip_to = rest.end() if rest else size
            continue
        if char in "{[":
            stack.append([char, at, len(stack)])
            continue
        if not stack or stack[-1][0] != _CLOSER[char]:
            continue  # a stray closer: ignored
        _, start, deepest = stack.pop()
        level = len(stack)
        if stack:
            stack[-1][2] = max(stack[-1][2], deepest)
        if level <= MAX_LEVEL:
            found.append(Span(start, at + 1, level, deepest - level + 1, True))
    found.sort(key=lambda s: s.start)
    if stack:
        found.append(Span(stack[0][1], size, 0, max(stack[0][2], len(stack) - 1) + 1, False))
    return found


def jsonish(fragment: str) -> bool:
    """Whether a bracketed fragment starts the way JSON does (not ``{name}`` or ``[1]:``)."""
    return _JSONISH.match(fragment) is not None


class Decoder:
    """Decodes the spans of one answer within a budget of characters (linear overall)."""

    def __init__(self, size: int) -> None:
        self.budget = BUDGET_FACTOR * size + 4_096
        self.repairs = REPAIR_MAX_TRIES
        self.literals = LITERAL_MAX_TRIES
        self.attempts = MAX_ATTEMPTS
        self.python_cost = PYTHON_MAX_COST

    def decode(self, fragment: str, depth: int) -> tuple[Any, bool] | None:
        """The value of ``fragment`` and whether it needed repair, or None."""
        self.budget -= len(fragment)
        self.attempts -= 1
        if self.budget < 0 or self.attempts < 0 or not jsonish(fragment):
            return None
        try:
            return orjson.loads(fragment), False
        except orjson.JSONDecodeError as exc:
            message = str(exc)
        if depth > MAX_DEPTH:
            return None
        if "control character" in message:  # a newline or tab typed inside a string
            try:
                return _LENIENT.decode(fragment), True
            except (ValueError, RecursionError):
                pass
        if len(fragment) <= LITERAL_MAX_CHARS and self.literals > 0:
            self.literals -= 1
            value = python_literal(fragment)
            if value is not None:
                return value, True
        if len(fragment) <= REPAIR_MAX_CHARS and self.repairs > 0:
            self.repairs -= 1
            try:
                value = json_repair.loads(fragment, skip_json_loads=True)
            except (ValueError, TypeError, RecursionError, IndexError):
                return None
            if isinstance(value, dict) and value:
                return value, True
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return value, True
        return None

    def python(self, cost: int) -> bool:
        """Whether one more read of Python code (pythonic.py) of ``cost`` fits the budget."""
        self.python_cost -= cost
        self.literals -= 1
        return self.python_cost >= 0 and self.literals >= 0


_LENIENT = json.JSONDecoder(strict=False)


_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def python_literal(fragment: str) -> Any:
    """A dict or list written in Python's literal syntax (or JSON with its slips), or None."""
    try:
        tree = ast.parse(fragment.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    try:
        value = _literal(tree.body, 0)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def literal(node: ast.AST) -> Any:
    """A parsed literal's value (data only, nesting bounded), or ValueError."""
    return _literal(node, 0)


def _literal(node: ast.AST, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, depth + 1)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item, depth + 1) for item in node.elts]
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise ValueError
            name = _literal(key, depth + 1)
            if not isinstance(name, str):
                raise ValueError
            out[name] = _literal(value, depth + 1)
        return out
    raise ValueError
