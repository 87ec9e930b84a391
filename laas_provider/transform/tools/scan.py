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
TAIL_CHARS = 256 * 1024  # past MAX_TOKENS, the end of the text is scanned backwards in this
TAIL_SPANS = 16  # and the last spans found there are kept
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
_SPACES = re.compile(r"\s*")
_BACKSLASHES = re.compile(r"\\*")
# A value next to one of these is inside an array or object, not a top-level span.
_INSIDE_BEFORE, _INSIDE_AFTER = frozenset(",:[{"), frozenset(",:]}")
# What may follow an opener in JSON (or in the JSON-like text we repair).
_JSONISH = re.compile(r"""[{\[]\s*(?:["'{\[\]}\-0-9/#]|true|false|null|True|False|None)""")


class Span(NamedTuple):  # a tuple: ~3x cheaper to make than a frozen dataclass
    start: int
    end: int  # exclusive; the text's length when not closed
    level: int  # 0: not inside another span
    depth: int  # nesting inside, 1 for a flat object
    closed: bool
    tail: bool = False  # found backwards from the end of a long text (tail_spans)


def spans(text: str) -> list[Span]:
    """The bracketed spans of ``text`` up to MAX_LEVEL, in order of their start, and the
    outermost unclosed one (an answer cut off) last. Strings are only read inside spans:
    quotes in prose do not count. At most MAX_TOKENS brackets and quotes are read; past
    them, the spans that end the text are looked for backwards (``tail_spans``: calls come
    last), and without any the rest counts as unclosed."""
    found: list[Span] = []
    stack: list[list[Any]] = []  # [opener, start, deepest level reached inside]
    skip_to, size = 0, len(text)
    for count, match in enumerate(_TOKEN.finditer(text)):
        at = match.start()
        if at < skip_to:
            continue
        if count >= MAX_TOKENS:
            safe = stack[0][1] if stack else at  # what comes before is read
            # One value from the text's start (after blanks) stays one unclosed value.
            tail = tail_spans(text, safe) if _SPACES.match(text).end() < safe else []
            if tail:
                return [s for s in sorted(found, key=lambda s: s.start) if s.start < safe] + tail
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


def tail_spans(text: str, lo: int) -> list[Span]:
    """The balanced top-level spans that end ``text`` after ``lo``, found backwards from its
    end (at most TAIL_CHARS characters and MAX_TOKENS brackets and quotes, strings skipped
    in C); none when they are seen to sit inside an array or object: an opener left open
    after them, or a comma, colon or bracket next to one of them."""
    lo = max(lo, len(text) - TAIL_CHARS)
    rev = text[lo:][::-1]  # backwards, a closer opens a span and a quote ends a string
    size, found, pos = len(rev), [], 0
    stack: list[list[Any]] = []  # [closer, position in rev, deepest level reached inside]
    tokens = MAX_TOKENS
    while tokens > 0:
        match = _TOKEN.search(rev, pos)
        if match is None:
            break
        tokens -= 1
        at, char = match.start(), match.group()
        pos = at + 1
        if char == '"':
            while stack and tokens > 0:  # to the string's opening quote: one not escaped
                tokens -= 1
                quote = rev.find('"', pos)
                if quote < 0:
                    return []  # no string start: not JSON
                run = _BACKSLASHES.match(rev, quote + 1).end() - quote - 1
                pos = quote + 1 + run
                if run % 2 == 0:
                    pos = quote + 1
                    break
            continue
        if char in "}]":
            stack.append([char, at, len(stack)])
            continue
        if not stack:
            return []  # an opener left open: what follows it is inside it
        if _CLOSER[stack[-1][0]] != char:
            continue  # a stray opener inside: ignored, as a stray closer is forwards
        _, closer, deepest = stack.pop()
        if stack:
            stack[-1][2] = max(stack[-1][2], deepest)
            continue
        start, end = lo + size - 1 - at, lo + size - closer
        before = _SPACES.match(rev, at + 1).end()
        after = _SPACES.match(text, end).end()
        if rev[before : before + 1] in _INSIDE_BEFORE or text[after : after + 1] in _INSIDE_AFTER:
            return []
        found.append(Span(start, end, 0, deepest + 1, True, tail=True))
        if len(found) == TAIL_SPANS:
            break
    return found[::-1]


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
