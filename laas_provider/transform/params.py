"""OpenAI request parameters -> LaaS body keys: one table, three fates.

LaaS documents only ``hash``/``params``/``messages``; the sampling keys below are sent
top-level by the public LaaS clients (see docs/parameters.md). Everything else is either
meaningless here (ignored) or would silently change the answer's meaning (refused, or
dropped when litellm's ``drop_params`` is on).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import deployment
from ..errors import refuse
from . import checks
from .tools.plan import KEYS as PLAN_KEYS  # tools, tool_choice, ..., response_format

# Sent to LaaS as-is (after a type check).
FORWARDED = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens", "stop")
# Meaningful to litellm or the proxy, not to LaaS (the proxy itself adds `max_retries`).
IGNORED = frozenset(
    {
        "user",
        "metadata",
        "stream",
        "stream_options",
        "store",
        "service_tier",
        "max_retries",
        "timeout",
        "request_timeout",
        # Caching and abuse-tracking hints (Claude Code and Codex send them): no effect on
        # the answer, and LaaS has no prompt cache.
        "prompt_cache_key",
        "prompt_cache_retention",
        "safety_identifier",
    }
)
# Our deployment / per-request keys (deployment.KEYS), consumed by settings and the handler,
# never forwarded.
OWN_KEYS = deployment.OWN_KEYS


def _number(name: str, value: Any) -> float | int:
    if not math.isfinite(checks.a_number(value, name)):
        raise refuse(name, "must be a finite number")
    return value


def _forward(name: str, value: Any) -> Any:
    if name == "max_tokens":
        if checks.an_integer(value, name) < 1:
            raise refuse(name, "must be a positive integer")
        return value
    if name == "stop":
        return checks.strings(value, name)
    return _number(name, value)


def to_laas_options(
    optional_params: Mapping[str, Any], drop_params: bool = False
) -> dict[str, Any]:
    """Return the LaaS body keys for ``optional_params``; refuse what LaaS cannot honour."""
    body: dict[str, Any] = {}
    for name, value in optional_params.items():
        if name in OWN_KEYS or name in IGNORED or name in PLAN_KEYS or value is None:
            continue
        if name in FORWARDED:
            body[name] = _forward(name, value)
        elif name == "n":  # 1 is what LaaS does anyway; the guard's words for the rest
            if checks.choices(value, name) > 1 and not drop_params:
                raise refuse(name, checks.ONE_CHOICE)
        elif name == "modalities" and value == ["text"]:
            continue  # asks for what LaaS does anyway
        elif not drop_params:
            raise refuse(name, _why_refused(name))
    return body


def _why_refused(name: str) -> str:
    if name in ("functions", "function_call"):
        return "is the legacy form of function calling; send `tools` and `tool_choice`"
    return (
        "is not supported by LaaS "
        "(set drop_params: true to drop unsupported parameters instead of refusing them)"
    )


def flatten(optional_params: Mapping[str, Any]) -> dict[str, Any]:
    """Lift ``extra_body`` keys to the top level, as the proxy already does.

    Through the proxy, the OpenAI client merges ``extra_body`` into the request body, so its
    keys arrive top-level; with in-process ``litellm.completion(extra_body=...)`` they stay
    nested. Flattening gives both paths one shape.
    """
    flat = {k: v for k, v in optional_params.items() if k != "extra_body"}
    nested = optional_params.get("extra_body")
    if isinstance(nested, Mapping):
        flat.update(nested)
    return flat


def preset_params(optional_params: Mapping[str, Any]) -> dict[str, str]:
    """Preset variables: the request's ``params`` merged over the deployment's ``preset_params``.

    LaaS wants string values; numbers and booleans are converted, anything else refused.
    """
    return {
        **_string_values("preset_params", optional_params.get("preset_params")),
        **_string_values("params", optional_params.get("params")),
    }


def _string_values(name: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise refuse(name, "must be an object of preset variable names to string values")
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[str(key)] = str(value)
        else:
            raise refuse(
                f"{name}.{key}", f"must be a string, number or boolean, got {type(value).__name__}"
            )
    return out
