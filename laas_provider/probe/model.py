"""What a probe is: the call it makes, what came back, the rows it settles, the report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..settings import LaaSSettings
from ..transform.response import content_text

AGREE, DISAGREE, UNKNOWN = "agree", "disagree", "unknown"
MAX_CALLS = 20
MAX_BODY = 256 * 1024  # bytes of an answer we read; probes ask for a few words
SNIPPET = 60
# Input allowances for the printed bound: our tiny images and the one-page PDF are far
# below these on Claude-class models (tokens ~ width x height / 750 per image).
IMAGE_TOKENS = 1_600
PDF_PAGE_TOKENS = 3_000
DEFAULT_IMAGE_URL = (
    "https://www.google.com/images/branding/googlelogo/1x/googlelogo_color_272x92dp.png"
)
DEFAULT_PDF_URL = "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf"
WRONG_KEY = "laas-probe-wrong-api-key"
# A 64-hex hash no deployed preset has (derived, so it is the same on every run).
UNKNOWN_HASH = hashlib.sha256(b"laas-check --probe: no such preset").hexdigest()
EXIT_OK, EXIT_STOPPED, EXIT_NOT_CONFIGURED, EXIT_DISAGREE = 0, 1, 2, 3


@dataclass(frozen=True)
class Call:
    method: str  # GET (preset info) or POST (chat)
    url: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class Outcome:
    status: int | None = None
    content_type: str = ""
    text: str = ""  # at most MAX_BODY bytes, decoded
    data: Any = None  # the JSON body, when it is JSON
    error: str | None = None  # a transport failure (no HTTP answer)
    seconds: float = 0.0

    @property
    def answer(self) -> dict[str, Any] | None:
        """The answer when it has a usable first choice."""
        data = self.data
        if not isinstance(data, dict):
            return None
        choices = data.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            return data
        return None

    @property
    def message(self) -> dict[str, Any]:
        answer = self.answer
        message = answer["choices"][0].get("message") if answer else None
        return message if isinstance(message, dict) else {}

    @property
    def content(self) -> str:
        try:
            return content_text(self.message.get("content"))
        except ValueError:
            return ""

    @property
    def finish_reason(self) -> Any:
        answer = self.answer
        return answer["choices"][0].get("finish_reason") if answer else None

    @property
    def completion_tokens(self) -> int | None:
        usage = self.data.get("usage") if isinstance(self.data, dict) else None
        if not isinstance(usage, dict):
            return None
        value = usage.get("completion_tokens", usage.get("output_tokens"))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def taken(self) -> bool | None:
        """True: LaaS answered it; False: LaaS refused it (4xx); None: cannot tell."""
        if self.status is not None and 400 <= self.status < 500:
            return False
        ok = self.status is not None and 200 <= self.status < 300
        return True if ok and self.answer is not None else None

    @property
    def sse(self) -> bool:
        return "text/event-stream" in self.content_type or self.text.lstrip().startswith("data:")


@dataclass(frozen=True)
class Target:
    """Where the probe sends its calls; the secrets stay here and are masked in the report."""

    settings: LaaSSettings

    @property
    def preset_hash(self) -> str:
        return self.settings.preset_hash.get_secret_value()

    def chat(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Call:
        return Call("POST", self.settings.chat_url, headers or self.settings.headers(), body)

    def secrets(self) -> tuple[str, ...]:
        return (*self.settings.secrets(), WRONG_KEY)


Judge = Callable[[Outcome], tuple[str, str]]


@dataclass(frozen=True)
class Check:
    """One report row, judged from one call's outcome."""

    id: str
    topic: str  # the row of docs/assumptions.md it settles
    assumed: str
    judge: Judge
    plugin: Callable[[Outcome], str]


@dataclass(frozen=True)
class Probe:
    name: str
    build: Callable[[Target], Call]
    checks: tuple[Check, ...]
    max_tokens: int = 0  # sent with the call (0: none, e.g. preset info); bounds its answer
    input_tokens: int = 0  # our own input, estimated (the preset's prompt comes on top)
    # False for the calls that expect an error (bad key, unknown hash): their 401/403 does
    # not stop the run, and they run even after spending has stopped.
    own_credentials: bool = True
    # The name of an earlier probe: this one is sent only if LaaS refused that one (a refusal
    # costs nothing; an answer already settles what this one would ask, at great cost).
    only_if_refused: str = ""


@dataclass
class Row:
    id: str
    topic: str
    assumed: str
    observed: str = "not run"
    verdict: str = UNKNOWN
    plugin: str = ""
    status: int | None = None
    taken: bool | None = None  # Outcome.taken: what the report's advice reads


@dataclass
class Report:
    started: str
    api_base: str
    calls_planned: int
    completion_token_bound: int
    input_token_estimate: int
    calls_made: int = 0
    tokens_used: int = 0
    stopped: str | None = None  # why the run ended early
    skipped: str | None = None  # why the calls that spend tokens ended early
    rows: list[Row] = field(default_factory=list)
    probes: str = "default"  # which set ran: "default", or "media" (--probe media)
    advice: list[str] = field(default_factory=list)  # deployment keys to set (advice.py)

    @property
    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.rows) for v in (AGREE, DISAGREE, UNKNOWN)}

    def exit_status(self) -> int:
        if any(r.verdict == DISAGREE for r in self.rows):
            return EXIT_DISAGREE
        return EXIT_STOPPED if self.stopped or self.skipped else EXIT_OK
