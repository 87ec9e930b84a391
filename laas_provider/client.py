"""Pooled HTTP clients for LaaS: one ``httpx.AsyncClient`` per event loop, one ``httpx.Client``.

Timeouts are set per request (deployments may differ); the pool is shared by every
deployment, so connections to LaaS are reused across requests. The async client runs on the
transport LiteLLM itself uses for its providers (aiohttp under httpx by default; plain httpx
when ``litellm.disable_aiohttp_transport`` or ``DISABLE_AIOHTTP_TRANSPORT`` says so), which
costs the proxy markedly less CPU per request than httpx's own transport
(docs/performance.md).
"""

from __future__ import annotations

import asyncio
import threading
import weakref

import httpx
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

from .settings import CONNECT_TIMEOUT

# For the sync client (and the async one when LiteLLM's aiohttp transport is switched off).
# On the aiohttp transport the pool follows LiteLLM's AIOHTTP_CONNECTOR_LIMIT (1000) and
# AIOHTTP_KEEPALIVE_TIMEOUT (15 s), like its own providers.
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)

# An AsyncClient's connections belong to the loop that opened them, so each loop gets its
# own client (the proxy runs one loop; tests and scripts may run several one after another).
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None
_lock = threading.Lock()


def timeout(read: float) -> httpx.Timeout:
    return httpx.Timeout(read, connect=min(CONNECT_TIMEOUT, read))


def async_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            transport=AsyncHTTPHandler.create_async_transport(),
            limits=LIMITS,
            timeout=timeout(CONNECT_TIMEOUT),
        )
        _async_clients[loop] = client
    return client


def sync_client() -> httpx.Client:
    global _sync_client
    with _lock:
        if _sync_client is None or _sync_client.is_closed:
            _sync_client = httpx.Client(limits=LIMITS, timeout=timeout(CONNECT_TIMEOUT))
        return _sync_client
