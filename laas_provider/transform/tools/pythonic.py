"""Tool calls written as Python, read as data (pure): Gemini's ``tool_code`` fence
(``print(default_api.get_weather(city="Seoul"))``, one call per line) and the bare list
vLLM's ``pythonic`` parser reads (``[get_weather(city="Seoul"), get_time(tz="KST")]``).

Nothing is ever run: the text is parsed with ``ast`` and only call expressions whose
arguments are keywords with literal values (strings, numbers, ``True``/``None``, lists,
dicts) are taken. The parser itself recurses, so the text is bounded in size and bracket
nesting before it is parsed, and each answer may have only a few parsed (``Decoder``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .scan import LITERAL_MAX_TRIES, MAX_DEPTH, PYTHON_MAX_COST, Decoder, literal
from .shapes import RawCall

MAX_CHARS = 32_000  # one block: strings cost the parser little (~1 ms for 30,000 characters)
_BRACKET = re.compile(r"[\[\](){}]")
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*"')  # quoted, one line
# A bare list of calls: ``[name(`` or ``[module.name(`` at its start.
_CALL_LIST = re.compile(r"\[\s*(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*\s*\(")
TOOL_CODE = "tool_code"


def is_call_list(text: str) -> bool:
    """Whether ``text`` (stripped) looks like a bare Python list of calls."""
    return text.endswith("]") and _CALL_LIST.match(text) is not None


def read(code: str, decoder: Decoder, listed: bool) -> tuple[list[RawCall], str | None]:
    """The calls in ``code`` and what is wrong with it (None: nothing). ``listed``: a bare
    list of calls (one expression; not Python at all: no calls and no problem, it is prose);
    otherwise a ``tool_code`` block (statements)."""
    where = "the Python call list" if listed else f"the {TOOL_CODE} block"
    # Bounded before parsing: the parser's cost goes with the tokens (~1 µs each), counted
    # as the characters outside strings plus one per string, and it recurses on nesting.
    if len(code) > MAX_CHARS:
        return [], f"{where} is over {MAX_CHARS:,} characters"
    outside, strings = _STRING.subn("", code)
    if not decoder.python(len(outside) + strings):
        return [], (
            f"{where} was not read: the answer's Python is over {PYTHON_MAX_COST:,} characters "
            f"outside strings (a string counts as one) or {LITERAL_MAX_TRIES} blocks"
        )
    if _nesting(outside) > MAX_DEPTH:
        return [], f"{where} is nested deeper than {MAX_DEPTH} brackets"
    try:
        tree = ast.parse(code.strip(), mode="eval" if listed else "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        # A list that is not Python is prose in brackets, read on; a tool_code block is a call.
        return [], None if listed else f"{where} is not valid Python"
    if isinstance(tree, ast.Expression):
        if not isinstance(tree.body, ast.List):
            return [], f"{where} is not a list of calls"
        nodes = list(tree.body.elts)
    else:
        nodes = []
        for statement in tree.body:
            if not isinstance(statement, ast.Expr):
                return [], f"{where} holds code other than tool calls"
            nodes += _unprinted(statement.value)
    calls = []
    for node in nodes:
        call = _call(node)
        if isinstance(call, str):
            return [], f"{where}: {call}"
        calls.append(call)
    if not calls:
        return [], f"{where} holds no call"
    return calls, None


def _nesting(code: str) -> int:
    """How deep the brackets of code without its strings nest."""
    depth = deepest = 0
    for match in _BRACKET.finditer(code):
        depth += 1 if match.group() in "[({" else -1
        deepest = max(deepest, depth)
    return deepest


def _unprinted(node: ast.expr) -> list[ast.expr]:
    """``print(call, ...)`` is the calls (Gemini prints each call's result)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        and not node.keywords
        and node.args
        and all(isinstance(arg, ast.Call) for arg in node.args)
    ):
        return list(node.args)
    return [node]


def _call(node: ast.expr) -> RawCall | str:
    """One call (``name(...)`` or ``module.name(...)``) as a RawCall, or what is wrong."""
    if not isinstance(node, ast.Call):
        return "an item is not a call"
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        name = func.attr  # default_api.get_weather: the module is Gemini's wrapper
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return "a call is not of a tool's name"
    if node.args or any(keyword.arg is None for keyword in node.keywords):
        return f"{name}(...) must name each argument (city=...)"
    arguments: dict[str, Any] = {}
    for keyword in node.keywords:
        try:
            arguments[keyword.arg] = literal(keyword.value)  # type: ignore[index]
        except ValueError:
            return f"{name}(...): argument {keyword.arg} is not a literal value"
    return RawCall(name, arguments)
