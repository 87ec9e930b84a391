"""Refuse non-chat calls on LaaS models in the proxy, before its router runs.

Embeddings and image calls reach the handler (which refuses them too), but the proxy sends
audio, rerank and moderation calls for a custom provider elsewhere: into a 500 ("'laas' is
not a valid LlmProviders", retried and sent down the fallbacks) or, for moderations, to
``{api_base}/v1/moderations`` on the LaaS host itself. And even a 400 from the handler goes
down the router's generic ``fallbacks``. A proxy pre-call hook answers first, with the same
400, so none of that happens: no upstream call, no retry, no fallback, no cooldown. It also
refuses `previous_response_id` on a proxy without LiteLLM's database, which would otherwise
drop the earlier turns without a word.

Installed by ``laas_provider`` itself when the proxy loads it from ``custom_provider_map``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger

from .. import errors
from .routing import laas_providers, proxy_router

log = logging.getLogger("laas_provider")

# Proxy call types that end in a chat call on the handler (chat, legacy completions,
# the Anthropic Messages and OpenAI Responses bridges, their token counting, and the
# Responses API's stored-response routes). Every other call type is refused for LaaS models.
CHAT_CALL_TYPES = frozenset(
    {
        "completion", "acompletion", "text_completion", "atext_completion",
        "anthropic_messages", "aanthropic_messages", "count_tokens", "acount_tokens",
        "responses", "aresponses", "_aresponses_websocket", "aget_responses",
        "adelete_responses", "acancel_responses", "alist_input_items", "acompact_responses",
        "pass_through_endpoint", "allm_passthrough_route",
    }
)  # fmt: skip

# What the client called, for the message (call types are LiteLLM's internal names).
ENDPOINTS = {
    "embeddings": "/v1/embeddings",
    "aembedding": "/v1/embeddings",
    "embedding": "/v1/embeddings",
    "image_generation": "/v1/images/generations",
    "aimage_generation": "/v1/images/generations",
    "aimage_edit": "/v1/images/edits",
    "image_edit": "/v1/images/edits",
    "transcription": "/v1/audio/transcriptions",
    "atranscription": "/v1/audio/transcriptions",
    "aspeech": "/v1/audio/speech",
    "speech": "/v1/audio/speech",
    "rerank": "/v1/rerank",
    "arerank": "/v1/rerank",
    "moderation": "/v1/moderations",
    "amoderation": "/v1/moderations",
    # Google's chat format: LiteLLM cannot bridge it to a custom provider (a 500 otherwise).
    "agenerate_content": "generateContent",
    "agenerate_content_stream": "streamGenerateContent",
}


def is_laas_model(model: Any) -> bool:
    """True when every deployment of the model group ``model`` is a LaaS deployment."""
    if not isinstance(model, str) or not model:
        return False
    llm_router = proxy_router()
    providers = laas_providers()
    deployments = llm_router.get_model_list(model_name=model) if llm_router else None
    if not deployments or not providers:
        return False
    for deployment in deployments:
        params = deployment.get("litellm_params") or {}
        provider = params.get("custom_llm_provider") or str(params.get("model", "")).split("/")[0]
        if provider not in providers:
            return False
    return True


def check_previous_response(data: dict) -> None:
    """``previous_response_id`` on a LaaS model needs LiteLLM's database.

    LiteLLM rebuilds the conversation from its spend logs; without a database it silently
    sends only the new input, and the model answers without the earlier turns.
    """
    proxy_server = sys.modules.get("litellm.proxy.proxy_server")
    if getattr(proxy_server, "prisma_client", None) is not None:
        return
    if is_laas_model(data.get("model")):
        problem = (
            "needs LiteLLM's database (DATABASE_URL), which keeps earlier responses; "
            "without one, send the earlier turns as `input` items"
        )
        raise errors.bad_request(errors.refuse("previous_response_id", problem), data["model"])


class NonChatGuard(CustomLogger):
    """A proxy pre-call hook: a non-chat call type on a LaaS model group is a 400 at once."""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any
    ) -> dict | None:
        kind = str(getattr(call_type, "value", call_type))
        if kind in CHAT_CALL_TYPES:
            if data.get("previous_response_id") and kind in ("responses", "aresponses"):
                check_previous_response(data)
            return None
        if not is_laas_model(data.get("model")):
            return None
        endpoint = ENDPOINTS.get(kind, kind)
        log.debug("refused %s on LaaS model %s before routing", endpoint, data.get("model"))
        raise errors.not_chat(endpoint, str(data.get("model")))


guard = NonChatGuard()


def install() -> None:
    """Add the guard to LiteLLM's callbacks once (the proxy runs every pre-call hook there).

    Only in the proxy: users of LiteLLM's SDK get the handler's own refusals and no callback.
    """
    if "litellm.proxy.proxy_server" not in sys.modules:
        return
    if not any(isinstance(cb, NonChatGuard) for cb in litellm.callbacks):
        litellm.callbacks.append(guard)
