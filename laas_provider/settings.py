"""Where a deployment's LaaS settings come from.

Order: the deployment's ``litellm_params`` (``api_base``/``api_key`` arrive as handler
arguments, our own keys inside ``optional_params``), then the process environment, then a
``.env`` file in the working directory, then defaults. Credentials and the preset are
required; a missing one is refused before any upstream call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from dotenv import dotenv_values, find_dotenv
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .deployment import ADMIN_KEYS, CLIENT_PRESET_KEYS, ENV, REQUIRED, SECRET_NAMES, names
from .errors import refuse
from .logs import redact

DEFAULT_API_BASE = "https://api-laas.wanted.co.kr"
DEFAULT_TIMEOUT = 120.0  # LaaS documents no limit; PDFs and big presets can be slow.
CONNECT_TIMEOUT = 10.0

# Which keys are administrator-only, secret, required, read from which LAAS_* variable:
# one table, deployment.KEYS (ADMIN_KEYS, ENV, ... are derived there).
# What resolve() reads from the deployment's optional_params (api_base and api_key arrive
# as handler arguments).
_OWN_SETTINGS = names(litellm=False, env=True)

# `native_stream` values: which LaaS endpoint streams a `stream=True` request (docs/streaming.md).
# Off (the default), the answer is fetched whole and re-sent as chunks (LaaS v2 documents no
# streaming). `v2`: the preset v2 endpoint with `stream: true`, for a LaaS that answers it
# with SSE (`laas-check --probe` tells). `orchestrator`: Ennoia's SSE endpoint
# `/api/llm-orchestrator/chat/stream/{hash}/2`.
STREAM_MODES = ("off", "v2", "orchestrator")
_OFF = ("", "off", "false", "0", "no", "none")


_TRUE = frozenset({"true", "1", "yes", "on"})


def switched_on(value: Any) -> bool:
    """A deployment's boolean switch, as YAML or an env-expanded string may spell it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in _TRUE


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it and never shows its value."""


class LaaSSettings(BaseModel):
    """One deployment's resolved settings. Secrets stay ``SecretStr`` so reprs hide them."""

    model_config = ConfigDict(frozen=True)

    api_base: str = DEFAULT_API_BASE
    api_key: SecretStr
    project_code: SecretStr
    preset_hash: SecretStr
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0)
    native_stream: Literal["off", "v2", "orchestrator"] = "off"

    @property
    def chat_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/api/preset/v2/chat/completions"

    def stream_url(self) -> str:
        """Where a natively streamed request goes (``native_stream`` is not off)."""
        if self.native_stream == "orchestrator":
            preset = self.preset_hash.get_secret_value()
            return f"{self.api_base.rstrip('/')}/api/llm-orchestrator/chat/stream/{preset}/2"
        return self.chat_url

    def preset_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/api/preset/{self.preset_hash.get_secret_value()}"

    def headers(self) -> dict[str, str]:
        # Header names exactly as LaaS documents them: `project`, `apiKey`.
        return {
            "project": self.project_code.get_secret_value(),
            "apiKey": self.api_key.get_secret_value(),
            "Content-Type": "application/json; charset=utf-8",
        }

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line or an error message (``SECRET_NAMES``)."""
        return tuple(getattr(self, name).get_secret_value() for name in SECRET_NAMES)


def client_keys(litellm_params: Mapping[str, Any] | None) -> set[str]:
    """Top-level keys of the client's own request body (proxy path only), ``extra_body`` too."""
    request = (litellm_params or {}).get("proxy_server_request") or {}
    body = request.get("body") if isinstance(request, Mapping) else None
    if not isinstance(body, Mapping):
        return set()  # in-process call: the caller is the administrator
    keys = set(body)
    nested = body.get("extra_body")
    if isinstance(nested, Mapping):
        keys |= set(nested)
    return keys


def check_client_keys(
    litellm_params: Mapping[str, Any] | None, optional_params: Mapping[str, Any]
) -> None:
    """Refuse a request that sets a deployment's administrator-only key."""
    sent = client_keys(litellm_params) & ADMIN_KEYS
    if not sent:
        return
    allowed = (
        CLIENT_PRESET_KEYS if switched_on(optional_params.get("allow_client_preset")) else set()
    )
    if "allow_client_preset" in sent:
        allowed = set()
    for key in sorted(sent - allowed):
        raise refuse(key, "is set by the deployment's administrator; a request may not change it")


def output_limit(litellm_params: Mapping[str, Any] | None) -> int | None:
    """The deployment's declared ``model_info.max_output_tokens`` (the router hands each call
    its deployment's ``model_info``; an in-process caller may pass ``model_info=``), or None
    when it declares none (then nothing is lowered)."""
    params = litellm_params or {}
    info = params.get("model_info")
    if not isinstance(info, Mapping):
        metadata = params.get("metadata")
        info = metadata.get("model_info") if isinstance(metadata, Mapping) else None
    value = info.get("max_output_tokens") if isinstance(info, Mapping) else None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


@lru_cache(maxsize=1)
def _dotenv() -> dict[str, str]:
    path = find_dotenv(usecwd=True)
    values = {k: v for k, v in dotenv_values(path).items() if v} if path else {}
    # Who reads a secret hands it to the masker (it imports nothing above `deployment`).
    redact.remember(*redact.environment_secrets(values))
    return values


def read_dotenv() -> None:
    """Read ``.env`` now (once), so its ``LAAS_*`` secrets are masked before the first call."""
    _dotenv()


def from_environment(name: str) -> str | None:
    """A LAAS_* value from the process environment, falling back to ``.env``."""
    return os.environ.get(name) or _dotenv().get(name)


def stream_mode(value: Any) -> str:
    """``native_stream`` as one of STREAM_MODES (``false``/unset: off)."""
    if value is None or value is False:
        return "off"
    text = str(value).strip().lower()
    if text in _OFF:
        return "off"
    if text in STREAM_MODES:
        return text
    raise SettingsError(
        "native_stream / LAAS_NATIVE_STREAM must be off (false), v2 or orchestrator"
    )


def resolve(
    api_base: str | None,
    api_key: str | None,
    deployment: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> LaaSSettings:
    """Resolve settings for one call.

    ``deployment`` holds the deployment's own keys (``project_code``, ``preset_hash``,
    ``laas_timeout``); ``timeout`` is litellm's per-call timeout, honoured as an upper bound.
    """
    lookup = from_environment if env is None else env.get
    given = {"api_base": api_base, "api_key": api_key}
    given.update({key: deployment.get(key) for key in _OWN_SETTINGS})

    values: dict[str, Any] = {}
    for name, env_name in ENV.items():
        value = given.get(name)
        if value in (None, ""):
            value = lookup(env_name)
        if value not in (None, ""):
            values[name] = value

    missing = [
        f"{name} (litellm_params.{name} or {ENV[name]})" for name in REQUIRED if name not in values
    ]
    if missing:
        raise SettingsError("LaaS is not configured: missing " + ", ".join(missing))

    read_timeout = values.pop("laas_timeout", DEFAULT_TIMEOUT)
    try:
        read_timeout = float(read_timeout)
    except (TypeError, ValueError):
        raise SettingsError("laas_timeout / LAAS_TIMEOUT must be a number of seconds") from None
    if isinstance(timeout, int | float) and 0 < timeout < read_timeout:
        read_timeout = float(timeout)
    values["native_stream"] = stream_mode(values.get("native_stream"))
    try:
        return LaaSSettings(**values, timeout=read_timeout)
    except ValidationError as exc:
        fields = ", ".join(str(err["loc"][0]) for err in exc.errors())
        raise SettingsError(f"invalid LaaS setting: {fields}") from None
