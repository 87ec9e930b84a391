"""The ``CustomLLM`` glue: resolve settings, translate, call LaaS, translate back.

No content parsing here: that is ``transform``'s job. No status mapping either: ``errors``.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from . import client, errors, settings, transform
from .call import _Call
from .logs import redact
from .logs import setup as logs_setup
from .streaming import native_stream

log = logging.getLogger("laas_provider")
logs_setup.install()
settings.read_dotenv()  # its LAAS_* secrets masked from the start, not from the first call


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


class LaaSProvider(CustomLLM):
    """Wanted LaaS presets as a LiteLLM provider (register it as ``laas``)."""

    def __init__(self) -> None:
        super().__init__()
        # The masker imports nothing above it: the handler tells it which providers are LaaS,
        # so every LaaS deployment of the router is masked before its first call.
        redact.remember_handler(self)

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
        call.prepare()
        post = functools.partial(self._post, own=client)
        return call.finish(
            post(call, call.request_kwargs(asynchronous=False)), post, model_response
        )

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
        await call.aprepare()
        apost = functools.partial(self._apost, own=client)
        return await call.afinish(await apost(call, call.request_kwargs()), apost, model_response)

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
        await call.aprepare()
        if call.settings.native_stream == "off":
            # Faked: one blocking call, then the finished answer as chunks.
            response = await call.afinish(
                await self._apost(call, call.request_kwargs()), self._apost
            )
            for chunk in transform.to_stream_chunks(response):
                yield chunk
            return
        async for chunk in self._relay(call):
            yield chunk

    def _relay(self, call: _Call) -> AsyncIterator[GenericStreamingChunk]:
        """Native streaming (``streaming.native_stream``), its repair call through ``_apost``."""
        return native_stream(call, self._apost)

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
