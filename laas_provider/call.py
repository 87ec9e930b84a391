"""One LaaS call: the request prepared (settings resolved, body built), the reply read and
checked, one repair round, and the result as a LiteLLM ``ModelResponse``."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any

import httpx
import litellm
import orjson
from litellm.types.utils import ModelResponse

from . import adapt, client, errors, transform
from .body import JsonBody
from .logs import redact
from .logs.setup import _log_call
from .settings import (
    SECRET_NAMES,
    LaaSSettings,
    SettingsError,
    check_client_keys,
    client_keys,
    output_limit,
    resolve,
    switched_on,
)
from .transform import live
from .transform.media import work

log = logging.getLogger("laas_provider")


def _answer_id(payload: Any) -> Any:
    return payload.get("id") if isinstance(payload, dict) else None


class _Call:
    """One request, prepared: settings resolved and the body built (or a 4xx raised)."""

    __slots__ = (
        "_body", "_stream", "body", "fields", "first_messages", "history", "laas_messages",
        "model", "pending", "plan", "settings",
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
        limit = output_limit(litellm_params)
        try:
            media = work.options(
                flat.get("image_max_side"),
                flat.get("image_formats"),
                spread_images=switched_on(flat.get("spread_images")),
                split_pdfs=switched_on(flat.get("split_pdfs")),
            )
        except ValueError as exc:
            raise litellm.AuthenticationError(
                message=f"LaaS: invalid setting {exc}", model=model, llm_provider=errors.PROVIDER
            ) from None
        try:
            self.plan = transform.plan(flat, emulation, drop)
            body = transform.build_body(
                self.settings.preset_hash.get_secret_value(),
                messages,
                flat,
                drop_params=drop,
                agent=self.plan,
                media=media,
                max_output_tokens=limit,
            )
        except errors.InputError as exc:
            raise errors.bad_request(exc, model) from None
        for note in media.notes or ():
            log.info("LaaS media for %s: %s", model, note)
        self._say_what_changed(flat, drop, body.get("max_tokens"))
        self.laas_messages = self.first_messages = body["messages"]
        # The tool history: a protocol answer is unwrapped even when no tools are offered
        # (an agent's closing turn), and call ids are never reused.
        self.history = transform.tool_history(messages)
        repairable = self.plan.active or self.history.active
        self.fields = body if repairable else None  # kept for a repair call only
        self._body = body
        self._stream = stream and self.settings.native_stream != "off"
        # Images to convert, PDFs to split: CPU work for adapt's pool, before the body is sealed.
        self.pending = work.pending_in(self.laas_messages)
        if not self.pending:
            self._seal()

    async def aprepare(self) -> None:
        """Adapt the parts that need it (off the event loop), then seal the body."""
        if self.pending:
            work.resolve(
                self.laas_messages, adapt.lookup(await adapt.aresolve(self.pending, self.model))
            )
            self._seal()

    def prepare(self) -> None:
        """``aprepare`` for the blocking path."""
        if self.pending:
            work.resolve(self.laas_messages, adapt.lookup(adapt.resolve(self.pending, self.model)))
            self._seal()

    def _seal(self) -> None:
        self.pending = []
        body = self._body
        if self._stream:
            body = live.stream_body(body, self.settings.native_stream)
        # orjson: ~20x faster than json.dumps here (bench/plugin.py); UTF-8, no NaN (refused).
        # Big data URLs are not copied into it: they are written in slices when sent (body.py).
        self.body = JsonBody(body)
        log.debug(
            "LaaS call for %s: %d messages, %d bytes, timeout %.0f s",
            self.model, len(self.laas_messages), len(self.body), self.settings.timeout,
        )  # fmt: skip

    def _say_what_changed(self, flat: Mapping[str, Any], drop: bool, sent: Any) -> None:
        """One INFO line for the keys not sent (the request guard takes most out first, with
        the same line), one for a ``max_tokens`` lowered to the deployment's limit."""
        skipped = transform.not_sent(flat, drop)
        if skipped:
            log.info(transform.NOT_SENT_LOG, self.model, ", ".join(skipped))
        asked = flat.get("max_tokens")
        if sent is not None and asked != sent:
            log.info("LaaS model %s: max_tokens %s lowered to %s, the deployment's "
                     "max_output_tokens", self.model, asked, sent)  # fmt: skip

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

    def exchange(
        self, first: transform.Reply, model_response: ModelResponse | None, asynchronous: bool
    ) -> Generator[dict[str, Any], transform.Reply, ModelResponse]:
        """The response from ``first``. If it breaks the protocol, the one repair request is
        yielded; the caller posts it (sync or async) and sends the reply back. So a request
        costs at most 2 LaaS calls, whichever driver runs it (``finish``, ``afinish``)."""
        replies = [first]
        reading = self.check(first)
        if reading.problems:
            replies.append((yield self.repair(first, reading, asynchronous)))
            reading = self.check(replies[1])
        return self.result(replies, reading, model_response)

    def finish(
        self,
        first: transform.Reply,
        post: Callable[[_Call, dict[str, Any]], transform.Reply],
        model_response: ModelResponse | None = None,
    ) -> ModelResponse:
        """``exchange`` with the repair call posted through the blocking ``post``."""
        steps = self.exchange(first, model_response, asynchronous=False)
        try:
            request = next(steps)
            while True:
                request = steps.send(post(self, request))
        except StopIteration as done:
            return done.value

    async def afinish(
        self,
        first: transform.Reply,
        apost: Callable[[_Call, dict[str, Any]], Awaitable[transform.Reply]],
        model_response: ModelResponse | None = None,
    ) -> ModelResponse:
        """``exchange`` with the repair call posted through ``apost``."""
        steps = self.exchange(first, model_response, asynchronous=True)
        try:
            request = next(steps)
            while True:
                request = steps.send(await apost(self, request))
        except StopIteration as done:
            return done.value

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
