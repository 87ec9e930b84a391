"""The ``CustomLLM`` glue: resolve settings, translate, call LaaS, translate back.

No content parsing here: that is ``transform``'s job. No status mapping either: ``errors``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import litellm
import orjson
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from . import client, errors, redact, transform
from .body import JsonBody
from .settings import LaaSSettings, SettingsError, check_client_keys, resolve

log = logging.getLogger("laas_provider")


def _configure_logging() -> None:
    # LAAS_LOG_LEVEL=DEBUG shows what the plugin does; it never logs keys, projects or presets.
    level = os.environ.get("LAAS_LOG_LEVEL")
    if level and not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("laas_provider %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(level.upper())


_configure_logging()
redact.install()


class _Call:
    """One request, prepared: settings resolved and the body built (or a 4xx raised)."""

    __slots__ = ("body", "laas_messages", "model", "settings")

    def __init__(
        self,
        model: str,
        messages: list,
        api_base: str | None,
        api_key: str | None,
        optional_params: Mapping[str, Any],
        litellm_params: Mapping[str, Any] | None,
        timeout: Any,
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
        redact.remember(*self.settings.secrets())
        drop = bool((litellm_params or {}).get("drop_params") or litellm.drop_params)
        try:
            body = transform.build_body(
                self.settings.preset_hash.get_secret_value(), messages, flat, drop_params=drop
            )
        except errors.InputError as exc:
            raise errors.bad_request(exc, model) from None
        self.laas_messages = body["messages"]
        # orjson: ~20x faster than json.dumps here (bench/plugin.py); UTF-8, no NaN (refused).
        # Big data URLs are not copied into it: they are written in slices when sent (body.py).
        self.body: JsonBody | bytes = JsonBody(body)
        log.debug(
            "LaaS call for %s: %d messages, %d bytes, timeout %.0f s",
            model, len(self.laas_messages), len(self.body), self.settings.timeout,
        )  # fmt: skip

    def request_kwargs(self, asynchronous: bool = True) -> dict[str, Any]:
        """``httpx`` arguments for the LaaS call (``asynchronous``: for the AsyncClient)."""
        headers = self.settings.headers()
        content: Any = self.body
        if isinstance(content, JsonBody):
            if content.streamed:  # pieces, with the exact length (no chunked encoding)
                headers["Content-Length"] = str(len(content))
                content = content.astream() if asynchronous else content.stream()
            else:
                content = bytes(content)
        return {
            "content": content,
            "headers": headers,
            "timeout": client.timeout(self.settings.timeout),
        }

    def transport_error(self, exc: httpx.TransportError) -> Exception:
        log.warning("LaaS call failed without an answer: %s", type(exc).__name__)
        return errors.from_transport(exc, self.model, self.settings.timeout)

    def answer(
        self, response: httpx.Response, started: float, model_response: ModelResponse | None
    ) -> ModelResponse:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug(
            "LaaS answered %s in %.0f ms (%d bytes)",
            response.status_code,
            elapsed_ms,
            len(response.content),
        )
        if response.status_code >= 400:
            raise errors.from_status(response, self.model, self.settings.secrets())
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise errors.bad_answer("not JSON", self.model) from None
        try:
            return transform.to_model_response(
                payload, self.model, model_response, self.laas_messages
            )
        except transform.AnswerError as exc:
            message = errors.scrub(str(exc), self.settings.secrets())
            raise errors.bad_answer(message, self.model) from None


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
        client_=None,
        **kwargs,
    ) -> ModelResponse:
        call = _Call(model, messages, api_base, api_key, optional_params, litellm_params, timeout)
        started = time.perf_counter()
        try:
            response = client.sync_client().post(
                call.settings.chat_url, **call.request_kwargs(asynchronous=False)
            )
        except httpx.TransportError as exc:
            raise call.transport_error(exc) from None
        return call.answer(response, started, model_response)

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
        client_=None,
        **kwargs,
    ) -> ModelResponse:
        call = _Call(model, messages, api_base, api_key, optional_params, litellm_params, timeout)
        started = time.perf_counter()
        try:
            response = await client.async_client().post(
                call.settings.chat_url, **call.request_kwargs()
            )
        except httpx.TransportError as exc:
            raise call.transport_error(exc) from None
        return call.answer(response, started, model_response)

    def streaming(self, *args, **kwargs) -> Iterator[GenericStreamingChunk]:
        # One upstream call, made before the first chunk: a failure is a real HTTP error.
        yield from transform.to_stream_chunks(self.completion(*args, **kwargs))

    async def astreaming(self, *args, **kwargs) -> AsyncIterator[GenericStreamingChunk]:
        response = await self.acompletion(*args, **kwargs)
        for chunk in transform.to_stream_chunks(response):
            yield chunk
