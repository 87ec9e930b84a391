"""Candidate optimisations of the plugin, as handler subclasses the proxy can load.

Benchmark-only: ``bench/try_variants.py`` serves each next to the unchanged plugin behind
one proxy (``custom_handler: bench.variants.<name>``), so a proposed change is measured
before anyone edits ``laas_provider/``. Each class is the smallest code that behaves like
the diff proposed in docs/performance.md.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator

import aiohttp
import httpx
from litellm.llms.custom_httpx.aiohttp_transport import map_aiohttp_exceptions
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from laas_provider import transform
from laas_provider.handler import LaaSProvider, _Call
from laas_provider.settings import CONNECT_TIMEOUT


def one_chunk_stream(response: ModelResponse) -> list[GenericStreamingChunk]:
    """Like ``transform.to_stream_chunks``, with finish_reason and usage on the last text chunk
    instead of a separate empty chunk (one pass less through litellm's stream wrapper)."""
    chunks = list(transform.to_stream_chunks(response))
    if len(chunks) >= 2 and chunks[-2]["text"]:
        last = chunks.pop()
        chunks[-1] = {
            **chunks[-1],
            **{k: last[k] for k in ("is_finished", "finish_reason", "usage")},
        }
    return chunks


class OneChunk(LaaSProvider):
    async def astreaming(self, *args, **kwargs) -> AsyncIterator[GenericStreamingChunk]:
        response = await self.acompletion(*args, **kwargs)
        for chunk in one_chunk_stream(response):
            yield chunk


_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


def aiohttp_session() -> aiohttp.ClientSession:
    """One aiohttp session per loop, pooled like LiteLLM's (limit 1000, keep-alive 15 s)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=1000, keepalive_timeout=15, ttl_dns_cache=300)
        session = aiohttp.ClientSession(connector=connector, trust_env=True)
        _sessions[loop] = session
    return session


class DirectAiohttp(LaaSProvider):
    """The upstream call on aiohttp directly, without httpx's client on top."""

    async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response,
                          print_verbose, encoding, api_key, logging_obj, optional_params,
                          acompletion=None, litellm_params=None, logger_fn=None, headers=None,
                          timeout=None, client_=None, **kwargs) -> ModelResponse:  # fmt: skip
        call = _Call(model, messages, api_base, api_key, optional_params, litellm_params, timeout)
        started = time.perf_counter()
        read = call.settings.timeout
        limits = aiohttp.ClientTimeout(sock_read=read, sock_connect=min(CONNECT_TIMEOUT, read))
        try:
            with map_aiohttp_exceptions():
                async with aiohttp_session().post(call.settings.chat_url, data=call.body,
                                                  headers=call.settings.headers(),
                                                  timeout=limits) as upstream:  # fmt: skip
                    raw = await upstream.read()
                    status = upstream.status
        except httpx.TransportError as exc:
            raise call.transport_error(exc) from None
        return call.answer(httpx.Response(status, content=raw), started, model_response)


class Both(DirectAiohttp):
    async def astreaming(self, *args, **kwargs) -> AsyncIterator[GenericStreamingChunk]:
        response = await self.acompletion(*args, **kwargs)
        for chunk in one_chunk_stream(response):
            yield chunk


one_chunk = OneChunk()
direct_aiohttp = DirectAiohttp()
both = Both()
