"""Tool calling and structured outputs, emulated over LaaS's JSON mode (pure).

LaaS documents no function calling. As Wanted's own agent code does, we describe the tools
(or the JSON schema) in one system message that asks for JSON only, and read the calls back
out of the answer's text. Unlike that code, every call and every structured answer is
validated against the client's schemas; the handler makes at most one repair call when the
validation fails. The instruction text, the accepted answer shapes and their limits are in
docs/tools.md. A client's schema is hostile until checked (schemas.py, references.py,
patterns.py, budget.py, limits.py; docs/security.md): it refers only inside itself, runs its
patterns in RE2, and costs bounded time.
"""

from .history import History, calls_as_text, result_as_text, tool_history
from .instruction import TOOL_RESULT, instruction, repair_request
from .plan import plan
from .policy import OutputSchema, Plan, Tool
from .reader import Reading, read_answer
from .survey import find_json
from .validate import check_calls, schema_errors, validator

__all__ = [
    "TOOL_RESULT",
    "History",
    "OutputSchema",
    "Plan",
    "Reading",
    "Tool",
    "calls_as_text",
    "check_calls",
    "find_json",
    "instruction",
    "plan",
    "read_answer",
    "repair_request",
    "result_as_text",
    "schema_errors",
    "tool_history",
    "validator",
]
