"""Running the probes: plan and budget, asking first, one call each, stop rules, main."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from .. import client
from ..settings import LaaSSettings
from .advice import advise
from .catalogue import build_probes
from .judges import http
from .media_catalogue import build_media_probes
from .model import (
    AGREE,
    DEFAULT_IMAGE_URL,
    DEFAULT_PDF_URL,
    DISAGREE,
    EXIT_STOPPED,
    IMAGE_TOKENS,
    MAX_BODY,
    PDF_PAGE_TOKENS,
    UNKNOWN,
    Call,
    Outcome,
    Probe,
    Report,
    Row,
    Target,
)
from .plugin import plugin_says
from .report import masker, public_base, table, write_files


@dataclass(frozen=True)
class Budget:
    calls: int
    spending_calls: int
    error_calls: int
    completion_tokens: int
    input_tokens: int
    per_call: tuple[str, ...] = ()  # one line per call that spends tokens

    def describe(self) -> str:
        return (
            f"{self.calls} calls, each sent once ({self.spending_calls} ask for an answer, "
            f"{self.error_calls} expect an error); "
            f"at most {self.completion_tokens} completion tokens (max_tokens on every call); "
            f"about {self.input_tokens:,} input tokens of ours (each image counted as "
            f"{IMAGE_TOKENS:,}, each PDF page as {PDF_PAGE_TOKENS:,}), plus your preset's own "
            f"prompt on each of the {self.spending_calls} calls"
        )


def budget(probes: list[Probe]) -> Budget:
    spending = [p for p in probes if p.max_tokens and p.own_credentials]
    by_name = {p.name: p for p in probes}
    # A refusal spends nothing, and a probe sent only after a refusal is skipped after an
    # answer: of such a pair, only the dearer one can spend.
    overlap = sum(min(p.input_tokens, by_name[p.only_if_refused].input_tokens)
                  for p in spending if p.only_if_refused in by_name)  # fmt: skip
    lines = tuple(
        f"{p.name:<20} ~{p.input_tokens:>7,} input tokens"
        + (f" (sent only if LaaS refuses {p.only_if_refused})" if p.only_if_refused else "")
        for p in spending
    )
    return Budget(
        calls=len(probes),
        spending_calls=len(spending),
        error_calls=sum(not p.own_credentials for p in probes),
        completion_tokens=sum(p.max_tokens for p in probes),
        input_tokens=sum(p.input_tokens for p in spending) - overlap,
        per_call=lines,
    )


def send(call: Call, timeout: float, http_client: httpx.Client | None = None) -> Outcome:
    """One call, no retries; reads at most MAX_BODY bytes of the answer."""
    started = time.monotonic()
    outcome = Outcome()
    content = None if call.body is None else json.dumps(call.body).encode()
    session = http_client or httpx.Client()
    try:
        with session.stream(call.method, call.url, headers=call.headers, content=content,
                            timeout=client.timeout(timeout)) as response:  # fmt: skip
            raw = bytearray()
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= MAX_BODY:
                    break
            outcome.status = response.status_code
            outcome.content_type = response.headers.get("content-type", "")
            outcome.text = bytes(raw[:MAX_BODY]).decode("utf-8", "replace")
    except httpx.HTTPError as exc:
        outcome.error = type(exc).__name__
    finally:
        if http_client is None:
            session.close()
    outcome.seconds = time.monotonic() - started
    try:
        outcome.data = json.loads(outcome.text) if outcome.text else None
    except ValueError:
        outcome.data = None
    return outcome


def rows_not_run(probe: Probe, why: str, target_rows: list[Row]) -> None:
    for check in probe.checks:
        target_rows.append(Row(check.id, check.topic, check.assumed, observed=why))


def run(
    probes: list[Probe], target: Target, sender: Callable[[Call], Outcome], report: Report
) -> Report:
    """Each probe once, in order. Stops at a 401/403/429 or no answer on your credentials."""
    taken: dict[str, bool | None] = {}
    for probe in probes:
        if report.stopped:
            rows_not_run(probe, f"not run: {report.stopped}", report.rows)
            continue
        if probe.max_tokens and probe.own_credentials and report.skipped:
            rows_not_run(probe, f"not run: {report.skipped}", report.rows)
            continue
        if probe.only_if_refused and taken.get(probe.only_if_refused) is not False:
            why = "answered" if taken.get(probe.only_if_refused) else "did not refuse"
            rows_not_run(probe, f"not run: LaaS {why} {probe.only_if_refused}", report.rows)
            continue
        outcome = sender(probe.build(target))
        taken[probe.name] = outcome.taken
        report.calls_made += 1
        if outcome.completion_tokens:
            report.tokens_used += outcome.completion_tokens
        if probe.own_credentials and outcome.status in (401, 403):
            report.stopped = f"LaaS refused your credentials (HTTP {outcome.status})"
        elif probe.own_credentials and outcome.status == 429:
            report.stopped = "LaaS is rate limiting (HTTP 429)"
        elif outcome.status is None:
            report.stopped = f"LaaS did not answer ({outcome.error})"
        for check in probe.checks:
            if report.stopped:  # says nothing about the assumption itself
                verdict, observed = UNKNOWN, f"{http(outcome)}: {report.stopped}"
            else:
                verdict, observed = check.judge(outcome)
            report.rows.append(Row(check.id, check.topic, check.assumed, observed, verdict,
                                   plugin_says(check, outcome), outcome.status,
                                   None if report.stopped else outcome.taken))  # fmt: skip
        used = outcome.completion_tokens
        if probe.max_tokens and used is not None and used > probe.max_tokens:
            report.skipped = (
                f"an answer had {used} completion tokens for max_tokens={probe.max_tokens}, "
                "so the token bound could not be kept"
            )
    return report


def confirm(assume_yes: bool, ask: Callable[[str], str] | None, interactive: bool) -> str | None:
    """None to go ahead, else why nothing will be sent."""
    if assume_yes:
        return None
    if not interactive or ask is None:
        return "no terminal to ask for confirmation; run again with --yes to spend them"
    try:
        answer = ask("Send them? [y/N] ")
    except EOFError:
        return "no answer; nothing sent"
    return None if answer.strip().lower() in ("y", "yes") else "declined; nothing sent"


def main(
    settings: LaaSSettings,
    out_dir: Path,
    assume_yes: bool = False,
    image_url: str = DEFAULT_IMAGE_URL,
    pdf_url: str = DEFAULT_PDF_URL,
    sender: Callable[[Call], Outcome] | None = None,
    ask: Callable[[str], str] | None = input,
    interactive: bool | None = None,
    media: bool = False,
) -> int:
    """``media``: the opt-in media probes (media_catalogue.py) instead of the default ones."""
    target = Target(settings)
    mask = masker(target.secrets())
    probes = build_media_probes() if media else build_probes(image_url, pdf_url)
    plan = budget(probes)
    me = "laas-check --probe media" if media else "laas-check --probe"
    print(mask(f"{me}: LaaS at {public_base(settings.api_base)}"))
    print(f"{me}: plan: {plan.describe()}.")
    if media:
        print(f"{me}: these calls spend real tokens (the estimate per call uses the "
              "allowances above; these tiny files may cost far less):")  # fmt: skip
        print("\n".join(f"  {line}" for line in plan.per_call))
    why_not = confirm(assume_yes, ask, sys.stdin.isatty() if interactive is None else interactive)
    if why_not:
        print(f"{me}: {why_not}.", file=sys.stderr)
        return EXIT_STOPPED
    report = Report(
        started=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        api_base=public_base(settings.api_base),
        calls_planned=plan.calls,
        completion_token_bound=plan.completion_tokens,
        input_token_estimate=plan.input_tokens,
        probes="media" if media else "default",
    )
    run(probes, target, sender or (lambda call: send(call, settings.timeout)), report)
    report.advice = advise(report.rows)
    print(mask(table(report)))
    counts = report.counts
    print(f"{me}: {report.calls_made} calls made, {report.tokens_used} completion "
          f"tokens used; {counts[AGREE]} agree, {counts[DISAGREE]} disagree, "
          f"{counts[UNKNOWN]} unknown.")  # fmt: skip
    for line in report.advice:
        print(mask(f"{me}: advice: {line}"))
    if report.stopped or report.skipped:
        print(mask(f"{me}: stopped: {report.stopped or report.skipped}."), file=sys.stderr)
    json_path, md_path = write_files(report, out_dir, mask)
    print(f"{me}: report written to {json_path} and {md_path}")
    return report.exit_status()
