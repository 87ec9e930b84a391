"""Upstream faults and refused input -> litellm exceptions.

Raising litellm's own exception classes lets them pass through litellm's exception
mapping untouched, so the proxy answers with their status and the router knows which
ones to retry (429, 5xx, timeouts) and which to fall back on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx
import litellm

from .logs import redact

PROVIDER = "laas"
_MAX_UPSTREAM_MESSAGE = 500


class PayloadTooLargeError(litellm.BadRequestError):
    """A 413 from LaaS: a client error (not retried), reported with its own status."""

    def __init__(self, message: str, model: str, response: httpx.Response | None = None):
        super().__init__(message=message, model=model, llm_provider=PROVIDER, response=response)
        self.status_code = 413


class InputError(ValueError):
    """Pure code raises this for input LaaS would refuse; the handler turns it into a 400."""

    def __init__(self, place: str, problem: str):
        self.place = place
        self.problem = problem
        super().__init__(f"{place}: {problem}" if place else problem)


def refuse(place: str, problem: str) -> InputError:
    """The one way to refuse input: names the place (e.g. ``messages[2].content[1]``) and why."""
    return InputError(place, problem)


# Set on the plugin's own refusals: the client's mistake, logged without a traceback
# (refusal_log) and never retried or sent through fallbacks (config.yaml's router_settings).
CLIENT_MISTAKE = "laas_client_mistake"


def bad_request(exc: InputError, model: str) -> litellm.BadRequestError:
    error = litellm.BadRequestError(message=f"LaaS: {exc}", model=model, llm_provider=PROVIDER)
    setattr(error, CLIENT_MISTAKE, True)
    return error


# What a LaaS model does serve: chat, in every format the proxy bridges to chat.
CHAT_ENDPOINTS = "/v1/chat/completions, /v1/completions, /v1/messages or /v1/responses"


def not_chat(endpoint: str, model: str) -> litellm.BadRequestError:
    """The one refusal for a non-chat call (embeddings, images, audio, ...) on a LaaS model.

    A 400 (not LiteLLM's default 500 "Not implemented"), so the router neither retries it nor
    counts it as an outage of the deployment; raised before anything is sent to LaaS.
    """
    problem = f"LaaS presets are chat models; call this model through {CHAT_ENDPOINTS}"
    return bad_request(refuse(endpoint, problem), model)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """An error message with every secret masked (``logs.redact.mask``): the call's own
    ``secrets`` and every deployment's."""
    return redact.mask(text, secrets)


def message_of(body: Any) -> str | None:
    """LaaS's own words in a JSON error body: ``message``, ``error`` (or its ``message``) or
    ``detail`` — LaaS documents no error schema; its clients read ``message``."""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                return value
    return None


def upstream_message(response: httpx.Response) -> str:
    """LaaS's own words for a failure: ``message`` (or ``error``) from a JSON body, else text."""
    raw = response.text
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    raw = message_of(body) or raw
    raw = " ".join(raw.split())  # HTML pages and stack traces: keep it one readable line
    return raw[:_MAX_UPSTREAM_MESSAGE] or response.reason_phrase or "no message"


def from_status(response: httpx.Response, model: str, secrets: Iterable[str | None]) -> Exception:
    """Map a non-2xx LaaS answer to the litellm exception for its status."""
    status = response.status_code
    message = f"LaaS answered HTTP {status}: {scrub(upstream_message(response), secrets)}"
    common = {"message": message, "model": model, "llm_provider": PROVIDER}
    if status == 400:
        return litellm.BadRequestError(**common, response=response)
    if status == 401:
        return litellm.AuthenticationError(**common, response=response)
    if status == 403:
        return litellm.PermissionDeniedError(**common, response=response)
    if status == 404:
        return litellm.NotFoundError(**common, response=response)
    if status == 413:
        return PayloadTooLargeError(message, model, response=response)
    if status == 422:
        return litellm.UnprocessableEntityError(**common, response=response)
    if status == 429:
        return litellm.RateLimitError(**common, response=response)
    if status == 502:
        return litellm.BadGatewayError(**common, response=response)
    if status == 503:
        return litellm.ServiceUnavailableError(**common, response=response)
    if status == 504:
        return litellm.Timeout(**common, exception_status_code=504)
    if status >= 500:
        return litellm.InternalServerError(**common, response=response)
    # Any other 4xx (405, 409, ...) is the caller's to fix: a 400-class error, status kept.
    error = litellm.BadRequestError(**common, response=response)
    error.status_code = status
    return error


def host_of(exc: httpx.TransportError, api_base: str | None = None) -> str:
    """``host[:port]`` the failed request went to (else ``api_base``'s): never the path (it
    holds the preset hash), the query or any user info."""
    try:
        url = exc.request.url
    except RuntimeError:  # raised without a request
        try:
            url = httpx.URL(api_base or "")
        except httpx.InvalidURL:
            return "(unknown host)"
    host = url.host or "(unknown host)"
    return f"{host}:{url.port}" if url.port else host


def from_transport(
    exc: httpx.TransportError, model: str, timeout: float, api_base: str | None = None
) -> Exception:
    """Map a timeout or a connection failure (no HTTP answer at all); the message names the
    host, so a wrong LAAS_API_BASE or a firewall shows at once."""
    host = host_of(exc, api_base)
    if isinstance(exc, httpx.TimeoutException):
        return litellm.Timeout(
            message=f"LaaS at {host} did not answer within {timeout:g} s ({type(exc).__name__})",
            model=model,
            llm_provider=PROVIDER,
        )
    return litellm.ServiceUnavailableError(
        message=f"could not reach LaaS at {host} ({type(exc).__name__})",
        model=model,
        llm_provider=PROVIDER,
    )


def protocol_broken(problem: str, model: str) -> Exception:
    """A 502 the router does not retry on the same deployment (``num_retries=0`` on the
    exception wins over router_settings.num_retries) but still falls back on: a model that
    broke the tool/JSON protocol after the repair call would break it again, and each
    retry costs two more billed LaaS calls."""
    return litellm.BadGatewayError(
        message=f"LaaS sent an unusable answer: {problem}",
        model=model,
        llm_provider=PROVIDER,
        num_retries=0,
    )


def bad_answer(problem: str, model: str) -> Exception:
    """A 2xx answer we cannot use (not JSON, no ``choices``): an upstream fault, retryable."""
    return litellm.BadGatewayError(
        message=f"LaaS sent an unusable answer: {problem}", model=model, llm_provider=PROVIDER
    )
