"""Pure translation between OpenAI-shaped requests/answers and LaaS: no I/O, no env."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .messages import to_laas_messages
from .params import flatten, preset_params, to_laas_options
from .response import AnswerError, to_model_response
from .stream import to_stream_chunks

__all__ = [
    "AnswerError",
    "build_body",
    "flatten",
    "to_laas_messages",
    "to_model_response",
    "to_stream_chunks",
]


def build_body(
    preset_hash: str,
    messages: Sequence[Any],
    optional_params: Mapping[str, Any],
    drop_params: bool = False,
) -> dict[str, Any]:
    """The LaaS request body: ``{hash, params, messages}`` plus forwarded sampling keys.

    ``optional_params`` must already be flattened (see ``flatten``).
    """
    return {
        "hash": preset_hash,
        "params": preset_params(optional_params),
        "messages": to_laas_messages(messages),
        **to_laas_options(optional_params, drop_params),
    }
