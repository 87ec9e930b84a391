"""OpenAI request parameters -> LaaS body keys: one table, each key's fate (docs/parameters.md).

LaaS documents only ``hash``/``params``/``messages``; the sampling keys below are sent
top-level by the public LaaS clients. A key LaaS cannot honour is either *ignored* (not
sent; named in one INFO line) when leaving it out cannot make a correct answer wrong, or
*refused* with a 400 naming it and the remedy (dropped instead when ``drop_params`` is on).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import deployment
from ..errors import refuse
from . import checks
from .tools.plan import KEYS as PLAN_KEYS  # tools, tool_choice, ..., response_format

# Sent to LaaS as-is (after a type check); max_tokens at most the deployment's limit.
FORWARDED = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens", "stop")
# Meaningful to litellm or the proxy (spend tracking, logging, retries), or hints to a
# provider's infrastructure that cannot change an answer (Claude Code and Codex send the
# caching and abuse-tracking ones): never sent, no log line. The proxy adds `max_retries`.
QUIET = frozenset(
    {
        "user",
        "metadata",
        "stream",
        "stream_options",
        "max_retries",
        "timeout",
        "request_timeout",
        "store",
        "service_tier",
        "prompt_cache_key",
        "prompt_cache_retention",
        "safety_identifier",
    }
)
# Asked of the model, not honoured by LaaS, and a correct answer stays correct without them
# (how long it thinks, how terse it is, best-effort determinism, a speed-up): not sent, named
# in one INFO line. Agents send them by default (pi: reasoning_effort; Claude Code: thinking).
IGNORED = frozenset(
    {
        "reasoning_effort",
        "reasoning",  # OpenRouter's chat form; the Responses API's (the guard drops that one)
        "verbosity",
        "thinking",
        "enable_thinking",  # Qwen's (DashScope) switch
        "include_reasoning",
        "seed",  # best effort even at OpenAI
        "prediction",  # predicted outputs: only a speed-up
    }
)
# chat_template_kwargs (vLLM, SGLang) keys that only switch an open model's thinking.
TEMPLATE_THINKING = frozenset({"enable_thinking", "thinking", "reasoning_effort"})
_TEXT_ONLY = "LaaS answers in text only; leave it out"
# Would change what the client gets back, or make a correct answer wrong if left out:
# refused, naming the remedy (a value that asks for nothing is ignored instead, _asks_nothing).
REFUSED = {
    "logprobs": "LaaS returns no token log probabilities; leave it out",
    "top_logprobs": "LaaS returns no token log probabilities; leave it out",
    "logit_bias": "LaaS cannot bias token probabilities; leave it out",
    "web_search_options": "LaaS models do not search the web; leave it out",
    "audio": _TEXT_ONLY,
    "modalities": f'must be ["text"]: {_TEXT_ONLY}',
    "n": checks.ONE_CHOICE,
    "functions": "is the legacy form of function calling; send `tools` and `tool_choice`",
    "function_call": "is the legacy form of function calling; send `tools` and `tool_choice`",
}
_UNKNOWN = (
    "is not a parameter LaaS can honour; leave it out "
    "(or set drop_params: true to drop such parameters instead of refusing them)"
)
# The one INFO line naming what was not sent (the handler's and the request guard's).
NOT_SENT_LOG = "LaaS model %s: %s not sent to LaaS (no such option there; docs/parameters.md)"
# Our deployment / per-request keys (deployment.KEYS), consumed by settings and the handler,
# never forwarded.
OWN_KEYS = deployment.OWN_KEYS


def _number(name: str, value: Any) -> float | int:
    if not math.isfinite(checks.a_number(value, name)):
        raise refuse(name, "must be a finite number")
    return value


def _forward(name: str, value: Any, limit: int | None) -> Any:
    if name == "max_tokens":
        if checks.an_integer(value, name) < 1:
            raise refuse(name, "must be a positive integer")
        return value if limit is None else min(value, limit)
    if name == "stop":
        return checks.strings(value, name)
    return _number(name, value)


def _asks_nothing(name: str, value: Any) -> bool:
    """A refusable key whose value asks for what LaaS does anyway."""
    if name == "n":  # the request guard's rule first: an integer of at least 1
        return checks.choices(value, name) == 1
    if name == "modalities":
        return value == ["text"]
    if name == "logprobs":
        return value is False
    if name == "top_logprobs":
        return value == 0 and not isinstance(value, bool)
    if name == "logit_bias":
        return isinstance(value, Mapping) and not value
    return False


def _template_kwargs(value: Any) -> None:
    """``chat_template_kwargs`` is ignored when it only switches thinking; else refused."""
    for key in checks.an_object(value, "chat_template_kwargs"):
        if key not in TEMPLATE_THINKING:
            raise refuse(
                f"chat_template_kwargs.{str(key)[:64]}",
                "is a variable of an open model's chat template; LaaS presets have none. "
                "Leave it out",
            )


def _sort(
    optional_params: Mapping[str, Any], drop_params: bool, limit: int | None
) -> tuple[dict[str, Any], list[str]]:
    """(the LaaS body keys, the keys not sent that the INFO line names); refusals raised."""
    body: dict[str, Any] = {}
    not_sent: list[str] = []
    for name, value in optional_params.items():
        if name in OWN_KEYS or name in QUIET or name in PLAN_KEYS or value is None:
            continue
        if name in FORWARDED:
            body[name] = _forward(name, value, limit)
        elif name in IGNORED:
            not_sent.append(name)
        elif name == "chat_template_kwargs":
            try:
                _template_kwargs(value)
            except ValueError:
                if not drop_params:
                    raise
            not_sent.append(name)
        elif _asks_nothing(name, value):
            continue
        elif drop_params:
            not_sent.append(name)
        else:
            raise refuse(name, REFUSED.get(name, _UNKNOWN))
    return body, not_sent


def to_laas_options(
    optional_params: Mapping[str, Any],
    drop_params: bool = False,
    max_output_tokens: int | None = None,
) -> dict[str, Any]:
    """The LaaS body keys for ``optional_params``; refuse what LaaS cannot honour.
    ``max_tokens`` above ``max_output_tokens`` (the deployment's declared limit) is lowered
    to it: LaaS's model would refuse it."""
    return _sort(optional_params, drop_params, max_output_tokens)[0]


def not_sent(optional_params: Mapping[str, Any], drop_params: bool = False) -> list[str]:
    """The keys ``to_laas_options`` leaves out that the client asked of the model (ignored,
    or dropped by ``drop_params``), for the INFO line; call it once that one succeeded."""
    return _sort(optional_params, drop_params, None)[1]


def ignorable(body: Mapping[str, Any]) -> list[str]:
    """A request body's top-level keys that the table ignores, for the proxy's request guard
    to take out before LiteLLM's own parameter check refuses them (it refuses
    ``reasoning_effort``, ``verbosity`` and ``thinking`` for a custom provider)."""
    keys = [key for key, value in body.items() if key in IGNORED and value is not None]
    template = body.get("chat_template_kwargs")
    if isinstance(template, Mapping) and template.keys() <= TEMPLATE_THINKING:
        keys.append("chat_template_kwargs")
    text = body.get("text")  # the Responses API's; LiteLLM 1.110 maps its verbosity
    if isinstance(text, Mapping) and text.get("verbosity") is not None:
        keys.append("text.verbosity")
    return keys


def without(body: dict[str, Any], keys: list[str]) -> None:
    """Take ``ignorable``'s keys out of ``body`` (a nested ``text.verbosity`` too)."""
    for key in keys:
        outer, _, inner = key.partition(".")
        if not inner:
            body.pop(key, None)
        elif isinstance(body.get(outer), Mapping):
            rest = {k: v for k, v in body[outer].items() if k != inner}
            if rest:
                body[outer] = rest
            else:
                body.pop(outer)


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
