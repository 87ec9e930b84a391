"""The Plan: what a request asks of the answer (tools, tool_choice, parallel calls, an
output schema), as plain data. ``plan.py`` builds it; the instruction, the validation, the
reader and the stream relay read it. Imports nothing, so no reader of it imports the
builder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class OutputSchema:
    name: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    """What the answer must be: tool calls under ``choice``, and/or JSON matching ``output``."""

    tools: dict[str, Tool] = field(default_factory=dict)
    choice: str = "auto"  # auto | required | none | a tool's name (named)
    parallel: bool = True
    output: OutputSchema | None = None
    response_format: Mapping[str, Any] | None = None  # sent to LaaS as is (text, json_object)

    @property
    def calls_allowed(self) -> bool:
        return bool(self.tools) and self.choice != "none"

    @property
    def calls_required(self) -> bool:
        """A tool call is the only acceptable answer (``required`` or a named tool)."""
        return self.calls_allowed and self.choice != "auto"

    @property
    def active(self) -> bool:
        return self.calls_allowed or self.output is not None

    @property
    def named(self) -> str | None:
        return self.choice if self.choice not in ("auto", "required", "none") else None
