"""A finished ``ModelResponse`` -> litellm ``GenericStreamingChunk`` dicts.

LaaS has no streaming, so the answer arrives whole; re-slicing it with sleeps would only
add latency. We send the text in a few chunks at once, then a finishing chunk that carries
``finish_reason`` and ``usage`` (so the proxy can cost streamed calls too).
"""

from __future__ import annotations

from collections.abc import Iterator

from litellm.types.utils import GenericStreamingChunk, ModelResponse

CHUNK_CHARS = 2048


def to_stream_chunks(response: ModelResponse) -> Iterator[GenericStreamingChunk]:
    choice = response.choices[0]
    text = choice.message.content or ""  # type: ignore[union-attr]
    for start in range(0, len(text), CHUNK_CHARS):
        yield _chunk(text[start : start + CHUNK_CHARS])
    # Each tool call whole, in one chunk of its own (OpenAI clients assemble them by index).
    for index, call in enumerate(choice.message.tool_calls or []):  # type: ignore[union-attr]
        function = {"name": call.function.name, "arguments": call.function.arguments}
        yield _chunk(
            "", tool_use={"id": call.id, "type": "function", "function": function, "index": index}
        )
    usage = getattr(response, "usage", None)
    yield _chunk(
        "",
        is_finished=True,
        finish_reason=choice.finish_reason or "stop",
        usage=(
            {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
            }
            if usage is not None
            else None
        ),
    )


def _chunk(
    text: str,
    is_finished: bool = False,
    finish_reason: str = "",
    usage: dict | None = None,
    tool_use: dict | None = None,
) -> GenericStreamingChunk:
    return {
        "text": text,
        "tool_use": tool_use,  # type: ignore[typeddict-item]
        "is_finished": is_finished,
        "finish_reason": finish_reason,
        "usage": usage,  # type: ignore[typeddict-item]
        "index": 0,
    }
