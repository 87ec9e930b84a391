"""The ``CustomLLM`` glue: resolve settings, translate, call LaaS, translate back.

No content parsing here: that is ``transform``'s job. No status mapping either: ``errors``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from . import client, errors, transform
from .call import _Call
from .logs import setup as logs_setup
from .logs.setup import _log_call
from .transform import live

log = logging.getLogger("laas_provider")
logs_setup.install()


_CALL_ARGS = (
    "model", "messages", "api_base", "custom_prompt_dict", "model_response", "print_verbose",
    "encoding", "api_key", "logging_obj", "optional_params", "acompletion", "litellm_params",
)  # fmt: skip


def _call_args(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """The ``_Call`` arguments out of a ``CustomLLM`` call (positional or by name)."""
    given = dict(zip(_CALL_ARGS, args, strict=False)) | kwargs
    return (
        given["model"], given["messages"], given.get("api_base"), given.get("api_key"),
        given.get("optional_params") or {}, given.get("litellm_params"), given.get("timeout"),
    )  # fmt: skip


def _is_sse(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


class LaaSProvider(CustomLLM):
    """Wanted LaaS presets as a LiteLLM provider (register it as ``laas``)."""

    def completion(
        self,
        model,
        messages,
        api_base,
        custom_prompt_dict,
        model_response,
        print_verbose,
        encoding,
        api_key,
        logging_obj,
        optional_params,
        acompletion=None,
        litellm_params=None,
        logger_fn=None,
        headers=None,
        timeout=None,
        client=None,
        **kwargs,
    ) -> ModelResponse:
        call = _Call(model, messages, api_base, api_key, optional_params, litellm_params, timeout)
        replies = [self._post(call, call.request_kwargs(asynchronous=False), client)]
        reading = call.check(replies[0])
        if reading.problems:
            repair = call.repair(replies[0], reading, asynchronous=False)
            replies.append(self._post(call, repair, client))
            reading = call.check(replies[1])
        return call.result(replies, reading, model_response)

    async def acompletion(
        self,
        model,
        messages,
        api_base,
        custom_prompt_dict,
        model_response,
        print_verbose,
        encoding,
        api_key,
        logging_obj,
        optional_params,
        acompletion=None,
        litellm_params=None,
        logger_fn=None,
        headers=None,
        timeout=None,
        client=None,
        **kwargs,
    ) -> ModelResponse:
        call = _Call(model, messages, api_base, api_key, optional_params, litellm_params, timeout)
        replies = [await self._apost(call, call.request_kwargs(), client)]
        reading = call.check(replies[0])
        if reading.problems:  # at most one repair call: a request costs at most 2 LaaS calls
            replies.append(await self._apost(call, call.repair(replies[0], reading), client))
            reading = call.check(replies[1])
        return call.result(replies, reading, model_response)

    # A caller's own httpx client (litellm's `client=`) is used as given; anything else
    # LiteLLM may pass there (an OpenAI SDK client) is not ours to use: the pool serves.

    @staticmethod
    def _post(call: _Call, request: dict[str, Any], own: Any = None) -> transform.Reply:
        http = own if isinstance(own, httpx.Client) else client.sync_client()
        started = time.perf_counter()
        try:
            response = http.post(call.settings.chat_url, **request)
        except httpx.TransportError as exc:
            raise call.transport_error(exc) from None
        return call.reply(response, started)

    @staticmethod
    async def _apost(call: _Call, request: dict[str, Any], own: Any = None) -> transform.Reply:
        http = own if isinstance(own, httpx.AsyncClient) else client.async_client()
        started = time.perf_counter()
        try:
            response = await http.post(call.settings.chat_url, **request)
        except httpx.TransportError as exc:
            raise call.transport_error(exc) from None
        return call.reply(response, started)

    def streaming(self, *args, **kwargs) -> Iterator[GenericStreamingChunk]:
        # One upstream call, made before the first chunk: a failure is a real HTTP error.
        # (The proxy streams through astreaming; native streaming is served there.)
        yield from transform.to_stream_chunks(self.completion(*args, **kwargs))

    async def astreaming(self, *args, **kwargs) -> AsyncIterator[GenericStreamingChunk]:
        call = _Call(*_call_args(*args, **kwargs), stream=True)
        if call.settings.native_stream == "off":
            # Faked: one blocking call, then the finished answer as chunks.
            replies = [await self._apost(call, call.request_kwargs())]
            reading = call.check(replies[0])
            if reading.problems:
                replies.append(await self._apost(call, call.repair(replies[0], reading)))
                reading = call.check(replies[1])
            for chunk in transform.to_stream_chunks(call.result(replies, reading, None)):
                yield chunk
            return
        async for chunk in self._relay(call):
            yield chunk

    async def _relay(self, call: _Call) -> AsyncIterator[GenericStreamingChunk]:
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
                    async for chunk in self._finish_whole(call, reply):
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
        for chunk in await self._close(call, relay):
            yield chunk

    async def _close(self, call: _Call, relay: live.Relay) -> list[GenericStreamingChunk]:
        """The held-back part read and validated (one repair call if it breaks the
        protocol), then the finish and usage chunks."""
        reply = relay.reply()
        reading = relay.reading()
        usage = transform.usage_or_estimate(reply, call.model, call.laas_messages)
        if reading.problems:
            first = transform.Reading(content=reply.text, problems=reading.problems)
            repaired = await self._apost(call, call.repair(reply, first))
            reading = call.check(repaired)
            if reading.problems:
                call.result([reply, repaired], reading, None)  # raises the 502
            usage = transform.add_usage(
                usage, transform.usage_or_estimate(repaired, call.model, call.laas_messages)
            )
            if relay.sent_text:
                reading.content = None  # the first answer's text was already sent
        return relay.closing(reading, usage, reply.finish_reason)

    async def _finish_whole(
        self, call: _Call, reply: transform.Reply
    ) -> AsyncIterator[GenericStreamingChunk]:
        replies = [reply]
        reading = call.check(reply)
        if reading.problems:
            replies.append(await self._apost(call, call.repair(reply, reading)))
            reading = call.check(replies[1])
        for chunk in transform.to_stream_chunks(call.result(replies, reading, None)):
            yield chunk

    # --- non-chat calls: LaaS presets only chat. Each is refused at once with a 400 naming
    # the endpoint (LiteLLM's defaults answer 500 "Not implemented yet!", which the router
    # retries and treats as an outage). Keep these together, at the end of the class.

    def embedding(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/embeddings", model)

    async def aembedding(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/embeddings", model)

    def image_generation(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/images/generations", model)

    async def aimage_generation(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/images/generations", model)

    def image_edit(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/images/edits", model)

    async def aimage_edit(self, model: str = "", *args: Any, **kwargs: Any) -> Any:
        raise errors.not_chat("/v1/images/edits", model)
