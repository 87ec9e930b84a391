"""A LiteLLM proxy hook that keeps malformed requests for LaaS models away from LiteLLM's code.

Register it next to the provider (``config.yaml``)::

    litellm_settings:
      callbacks: [laas_provider.guard.request_guard]

Why a proxy hook and not the handler: LiteLLM's own request path (``litellm.completion``'s
message validation, token counting, parameter mapping) reads ``messages`` *before* the
handler runs, and crashes on some malformed shapes — ``"content": 5`` became a 500,
``"messages": "hi"`` a 400 carrying a Python traceback with file paths. The proxy calls
``async_pre_call_hook`` after authentication and before the router, which is before any of
that code (docs/errors.md lists where each case used to fail).

Only requests for models served by this package are checked, so other providers behind the
same proxy keep LiteLLM's own behaviour. For those models it also takes out what the
parameter table ignores (``transform.params.ignorable``: pi's ``reasoning_effort``, Claude
Code's ``thinking``, the Responses API's ``reasoning``), with one INFO line, before LiteLLM's
parameter check refuses it for a custom provider with advice that does not work
(``allowed_openai_params``). On /v1/messages it inlines the ``document`` blocks with a text
source that LiteLLM's adapter would drop (``documents``). The hook also cleans the error body
of any failure on a LaaS model: no traceback, no file path.

A body that is not a JSON object fails inside LiteLLM's authentication, before any hook:
loading this module also puts ``body_guard``'s check in front of the proxy's app, and
``wrong_key``'s rewrite of LiteLLM's answer to a wrong proxy key.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import HTTPException
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import ProxyException

from ..errors import InputError
from ..transform import params
from . import body_guard, documents, shape, wrong_key
from .routing import serves_laas

log = logging.getLogger("laas_provider")

# The proxy's call type for each front door -> the shape check for its body.
CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "acompletion": shape.check_chat_request,  # /chat/completions (and batch records)
    "completion": shape.check_chat_request,
    "anthropic_messages": shape.check_anthropic_request,  # /v1/messages
    "aresponses": shape.check_responses_request,  # /v1/responses
    "atext_completion": shape.check_text_completion_request,  # /v1/completions
}
_TRACEBACK = re.compile(r"\s*Traceback \(most recent call last\):.*", re.DOTALL)
# Words of an error message (one character class, so linear even on a huge message); a word
# holding ".py" is a source path or module file, and goes.
_WORD = re.compile(r"""[^\s"'(),\[\]{}<>]+""")


def refusal(exc: InputError) -> ProxyException:
    """The 400 the client sees: OpenAI's error shape, ``param`` naming the field."""
    return ProxyException(
        message=f"LaaS: {exc}", type="invalid_request_error", param=exc.place or None, code=400
    )


def without_internals(message: str) -> str:
    """An error message with any Python traceback and source file path taken out."""
    message = _TRACEBACK.sub("", message)
    return _WORD.sub(_without_path, message).strip()


def _without_path(word: re.Match[str]) -> str:
    return "<internal>" if ".py" in word.group() else word.group()


class RequestGuard(CustomLogger):
    """Checks the OpenAI request shape for LaaS models; keeps internals out of their errors."""

    # It judges request content, so the proxy runs it wherever content is checked.
    enforces_request_content = True

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any
    ) -> dict | None:
        check = CHECKS.get(str(call_type))
        if check is None:
            return None
        if not serves_laas(data.get("model"), getattr(user_api_key_dict, "team_id", None)):
            return None
        try:
            check(data)
            inlined = documents.inline(data) if str(call_type) == "anthropic_messages" else []
        except InputError as exc:
            raise refusal(exc) from None
        for change in inlined:
            log.info("LaaS media for %s: %s", data.get("model"), change)
        # Same table as the handler's (which also ignores them, in-process): one INFO line.
        ignored = params.ignorable(data)
        if ignored:
            params.without(data, ignored)
            log.info(params.NOT_SENT_LOG, data.get("model"), ", ".join(ignored))
        return data if ignored or inlined else None

    async def async_post_call_failure_hook(
        self,
        request_data: dict,
        original_exception: Exception,
        user_api_key_dict: Any,
        traceback_str: str | None = None,
    ) -> HTTPException | None:
        if not isinstance(request_data, Mapping) or not serves_laas(request_data.get("model")):
            return None
        message = getattr(original_exception, "message", None)
        if not isinstance(message, str):
            message = str(original_exception)
        detail = getattr(original_exception, "detail", None)
        if isinstance(detail, str) and not _leaks(message):
            message = detail
        if not _leaks(message):
            return None
        status = getattr(original_exception, "status_code", None) or getattr(
            original_exception, "code", None
        )
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 500
        return HTTPException(status_code=status, detail=without_internals(message))


def _leaks(message: str) -> bool:
    return "Traceback" in message or ".py" in message


def install_body_check() -> bool:
    """``body_guard`` and ``wrong_key`` in front of the running proxy's app (nothing outside
    the proxy)."""
    proxy = sys.modules.get("litellm.proxy.proxy_server")  # loaded: it is loading us
    app = getattr(proxy, "app", None)
    if app is None:
        return False
    keys = wrong_key.install(app)
    return body_guard.install(app) or keys


request_guard = RequestGuard()
install_body_check()
