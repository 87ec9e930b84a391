"""The ``CustomLLM`` glue: resolve settings, translate, call LaaS, translate back.

No content parsing here: that is ``transform``'s job. No status mapping either: ``errors``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import litellm
import orjson
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from . import client, errors, transform
from .body import JsonBody
from .logs import redact
from .logs import setup as logs_setup
from .logs.setup import _log_call
from .settings import (
    SECRET_NAMES,
    LaaSSettings,
    SettingsError,
    check_client_keys,
    client_keys,
    resolve,
    switched_on,
)
from .transform import live

log = logging.getLogger("laas_provider")
logs_setup.install()


def _answer_id(payload: Any) -> Any:
    return payload.get("id") if isinstance(payload, dict) else None


class _Call:
    """One request, prepared: settings resolved and the body built (or a 4xx raised)."""

    __slots__ = (
        "body", "fields", "first_messages", "history", "laas_messages", "model", "plan", "settings"
    )  # fmt: skip

    def __init__(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        api_key: str | None,
        optional_params: Mapping[str, Any],
        litellm_params: Mapping[str, Any] | None,
        timeout: Any,
        stream: bool = False,
    ) -> None:
        self.model = model
        flat = transform.flatten(optional_params or {})
        try:
            check_client_keys(litellm_params, flat)
        except errors.InputError as exc:
            raise errors.bad_request(exc, model) from None
        try:
            self.settings: LaaSSettings = resolve(
                api_base,
                api_key,
                flat,
                timeout=timeout if isinstance(timeout, int | float) else None,
            )
        except SettingsError as exc:
            raise litellm.AuthenticationError(
                message=f"LaaS: {exc}", model=model, llm_provider=errors.PROVIDER
            ) from None
        # The deployment's secrets are kept for masking; values the client sent itself
        # (allow_client_preset) only among the recent few, so clients cannot grow the set.
        sent = client_keys(litellm_params)
        for name, value in zip(SECRET_NAMES, self.settings.secrets(), strict=True):
            (redact.remember_client if name in sent else redact.remember)(value)
        drop = bool((litellm_params or {}).get("drop_params") or litellm.drop_params)
        emulation = switched_on(flat.get("tool_emulation"))
        try:
            # drop_params on a model without emulation drops the tools, as for other params.
            asked = flat if emulation or not drop else transform.without_tools(flat)
            self.plan = transform.plan(asked, emulation)
            body = transform.build_body(
                self.settings.preset_hash.get_secret_value(),
                messages,
                flat,
                drop_params=drop,
                agent=self.plan,
            )
        except errors.InputError as exc:
            raise errors.bad_request(exc, model) from None
        self.laas_messages = self.first_messages = body["messages"]
        # The tool history: a protocol answer is unwrapped even when no tools are offered
        # (an agent's closing turn), and call ids are never reused.
        self.history = transform.tool_history(messages)
        repairable = self.plan.active or self.history.active
        self.fields = body if repairable else None  # kept for a repair call only
        if stream and self.settings.native_stream != "off":
            body = live.stream_body(body, self.settings.native_stream)
        # orjson: ~20x faster than json.dumps here (bench/plugin.py); UTF-8, no NaN (refused).
        # Big data URLs are not copied into it: they are written in slices when sent (body.py).
        self.body = JsonBody(body)
        log.debug(
            "LaaS call for %s: %d messages, %d bytes, timeout %.0f s",
            model, len(self.laas_messages), len(self.body), self.settings.timeout,
        )  # fmt: skip

    def request_kwargs(self, asynchronous: bool = True) -> dict[str, Any]:
        """``httpx`` arguments for the LaaS call (``asynchronous``: for the AsyncClient)."""
        headers = self.settings.headers()
        content: Any
        if self.body.streamed:  # pieces, with the exact length (no chunked encoding)
            headers["Content-Length"] = str(len(self.body))
            content = self.body.astream() if asynchronous else self.body.stream()
        else:
            content = bytes(self.body)
        return {
            "content": content,
            "headers": headers,
            "timeout": client.timeout(self.settings.timeout),
        }

    def transport_error(self, exc: httpx.TransportError) -> Exception:
        api_base = self.settings.api_base
        log.warning("LaaS call to %s failed without an answer: %s",
                    errors.host_of(exc, api_base), type(exc).__name__)  # fmt: skip
        return errors.from_transport(exc, self.model, self.settings.timeout, api_base)

    def reply(self, response: httpx.Response, started: float) -> transform.Reply:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            _log_call(self.model, response.status_code, elapsed_ms)
            raise errors.from_status(response, self.model, self.settings.secrets())
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            _log_call(self.model, response.status_code, elapsed_ms)
            raise errors.bad_answer("not JSON", self.model) from None
        _log_call(self.model, response.status_code, elapsed_ms, _answer_id(payload))
        try:
            return transform.read_reply(payload)
        except transform.AnswerError as exc:
            raise self._unusable(str(exc)) from None

    def check(self, reply: transform.Reply) -> transform.Reading:
        """What the answer says under this request's plan (tool calls, JSON, or text)."""
        return transform.read_answer(reply.text, reply.native_calls, self.plan, self.history)

    def repair(
        self, reply: transform.Reply, reading: transform.Reading, asynchronous: bool = True
    ) -> dict[str, Any]:
        """The request for the one repair call: the answer and its problems appended."""
        assert self.fields is not None  # problems only arise under a plan or a tool history
        log.info(
            "LaaS answer for %s broke the %s protocol (%d problems); one repair call",
            self.model, "tool" if self.plan.calls_allowed else "JSON", len(reading.problems),
        )  # fmt: skip
        appended = transform.repair_request(reply.text, reading.problems, self.plan)
        self.laas_messages = [*self.laas_messages, *appended]
        self.body = JsonBody({**self.fields, "messages": self.laas_messages})
        return self.request_kwargs(asynchronous)

    def result(
        self,
        replies: list[transform.Reply],
        reading: transform.Reading,
        model_response: ModelResponse | None,
    ) -> ModelResponse:
        if reading.problems:
            # Not retried on this deployment (2 LaaS calls are enough); the router still
            # falls back to the next model.
            problem = "the model's answer broke the protocol again after one repair call: "
            raise errors.protocol_broken(
                errors.scrub(problem + "; ".join(reading.problems), self.settings.secrets()),
                self.model,
            )
        usage = None
        if len(replies) > 1:
            first = transform.usage_or_estimate(replies[0], self.model, self.first_messages)
            last = transform.usage_or_estimate(replies[1], self.model, self.laas_messages)
            usage = transform.add_usage(first, last)
        estimated = any(reply.usage is None for reply in replies)
        return transform.to_model_response(
            replies[-1], self.model, model_response, self.laas_messages, reading, usage, estimated
        )

    def _unusable(self, problem: str) -> Exception:
        # A 5xx: the router retries it or falls back, as for any upstream fault.
        return errors.bad_answer(errors.scrub(problem, self.settings.secrets()), self.model)


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
