"""Native streaming: LaaS's server-sent events relayed to LiteLLM as they arrive, the
held-back part checked at the end (one repair call if it breaks the protocol)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from litellm.types.utils import GenericStreamingChunk

from . import client, transform
from .call import _Call
from .logs.setup import _log_call
from .transform import live

# The provider's ``_apost``: one LaaS call, its reply read.
_Post = Callable[..., Awaitable[transform.Reply]]


def _is_sse(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


async def native_stream(call: _Call, apost: _Post) -> AsyncIterator[GenericStreamingChunk]:
    """Native streaming: LaaS's events relayed as they arrive (docs/streaming.md).

    Nothing is yielded before the first usable event, so an error up to then (status,
    connection, a broken first event) is still a real HTTP error the router can retry or
    fall back on; after it, an exception ends the client's stream with an error event.
    A client that goes away cancels this generator, which closes the upstream response.
    """
    relay = live.Relay(call.plan, call.history)
    request = call.request_kwargs()
    request["headers"]["Accept"] = "text/event-stream"
    started = time.perf_counter()
    try:
        async with client.async_client().stream(
            "POST", call.settings.stream_url(), **request
        ) as response:
            if response.status_code >= 400 or not _is_sse(response):
                await response.aread()
                reply = call.reply(response, started)  # raises for an error status
                # A v2 LaaS that ignores `stream`: one JSON answer, faked as before.
                for chunk in transform.to_stream_chunks(await call.afinish(reply, apost)):
                    yield chunk
                return
            _log_call(call.model, response.status_code, (time.perf_counter() - started) * 1000)
            reader = live.EventReader()
            # Read to the end (past [DONE]), so the connection can be reused.
            async for text in response.aiter_text():
                for chunk in relay.feed_events(reader.feed(text)):
                    yield chunk
                if relay.problem is not None:  # after the text that came before it
                    raise call._unusable(str(relay.problem))
            for chunk in relay.feed_events(reader.close()):
                yield chunk
            if relay.problem is not None:
                raise call._unusable(str(relay.problem))
    except httpx.TransportError as exc:
        raise call.transport_error(exc) from None
    if not relay.ended:
        raise call._unusable("the stream ended before the answer was complete (no [DONE])")
    for chunk in await _close(call, relay, apost):
        yield chunk


async def _close(call: _Call, relay: live.Relay, apost: _Post) -> list[GenericStreamingChunk]:
    """The held-back part read and validated (one repair call if it breaks the
    protocol), then the finish and usage chunks."""
    reply = relay.reply()
    reading = relay.reading()
    usage = transform.usage_or_estimate(reply, call.model, call.laas_messages)
    if reading.problems:
        first = transform.Reading(content=reply.text, problems=reading.problems)
        repaired = await apost(call, call.repair(reply, first))
        reading = call.check(repaired)
        if reading.problems:
            call.result([reply, repaired], reading, None)  # raises the 502
        usage = transform.add_usage(
            usage, transform.usage_or_estimate(repaired, call.model, call.laas_messages)
        )
        if relay.sent_text:
            reading.content = None  # the first answer's text was already sent
    return relay.closing(reading, usage, reply.finish_reason)
