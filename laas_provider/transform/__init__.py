"""Pure translation between OpenAI-shaped requests/answers and LaaS: no I/O, no env."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litellm.types.utils import ModelResponse, Usage

from .media.work import Options as MediaOptions
from .messages import to_laas_messages
from .params import NOT_SENT_LOG, flatten, not_sent, preset_params, to_laas_options
from .response import (
    AnswerError,
    Reply,
    add_usage,
    fill_response,
    read_reply,
    usage_or_estimate,
)
from .stream import to_stream_chunks
from .tools import History, Plan, Reading, plan, read_answer, repair_request, tool_history
from .tools import instruction as tools_instruction
from .tools.plan import without_tools

__all__ = [
    "NOT_SENT_LOG",
    "AnswerError",
    "History",
    "MediaOptions",
    "Plan",
    "Reading",
    "Reply",
    "add_usage",
    "build_body",
    "flatten",
    "not_sent",
    "plan",
    "read_answer",
    "read_reply",
    "repair_request",
    "to_laas_messages",
    "to_model_response",
    "to_stream_chunks",
    "tool_history",
    "usage_or_estimate",
]


def build_body(
    preset_hash: str,
    messages: Sequence[Any],
    optional_params: Mapping[str, Any],
    drop_params: bool = False,
    agent: Plan | None = None,
    media: MediaOptions | None = None,
    max_output_tokens: int | None = None,
) -> dict[str, Any]:
    """The LaaS request body: ``{hash, params, messages}`` plus forwarded sampling keys.

    ``optional_params`` must already be flattened (see ``flatten``). ``agent`` is the
    request's Plan (``tools.plan``; without one, the request is planned with its tool keys
    ignored): its instruction (tools, structured output) goes in as one system message after
    the client's own, its ``response_format`` (if any) as a top-level key. ``media``: the
    deployment's media options; a part that needs adapting stays a ``media.work.Pending`` in
    the messages, for the caller to resolve off the event loop (``laas_provider.adapt``).
    ``max_output_tokens``: the deployment's declared limit, which ``max_tokens`` is lowered to.
    """
    laas_messages = to_laas_messages(messages, media or MediaOptions())
    if agent is None:
        agent = plan(without_tools(optional_params), emulation=False, drop_params=drop_params)
    instruction = tools_instruction(agent)
    if instruction:
        # After the client's leading system messages: theirs come first, ours closest to the turn.
        at = next(
            (i for i, m in enumerate(laas_messages) if m["role"] != "system"), len(laas_messages)
        )
        text = [{"type": "text", "text": instruction}]
        laas_messages.insert(at, {"role": "system", "content": text})
    body = {
        "hash": preset_hash,
        "params": preset_params(optional_params),
        "messages": laas_messages,
        **to_laas_options(optional_params, drop_params, max_output_tokens),
    }
    if agent.response_format is not None:
        body["response_format"] = agent.response_format
    return body


def to_model_response(
    answer: Any,
    model: str,
    model_response: ModelResponse | None = None,
    laas_messages: list[dict[str, Any]] | None = None,
    reading: Reading | None = None,
    usage: Usage | None = None,
    estimated: bool = False,
) -> ModelResponse:
    """The ``ModelResponse`` for a LaaS answer (a dict or a Reply).

    ``reading``: what the reader made of the answer under the request's Plan; without one,
    it is read under an empty Plan (text, and native tool calls passed through as they came).
    """
    reply = answer if isinstance(answer, Reply) else read_reply(answer)
    if reading is None:
        reading = read_answer(reply.text, reply.native_calls, Plan())
    return fill_response(reply, reading, model, model_response, laas_messages, usage, estimated)
