"""The report: terminal table, Markdown and JSON files, every secret masked."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..logs.redact import MIN_LENGTH, mask_each
from .model import AGREE, DISAGREE, UNKNOWN, Report


def masker(secrets: tuple[str, ...]) -> Callable[[str], str]:
    """The report's masking: the probe's own secrets, in any case (a service may echo a
    value upper- or lower-cased)."""
    kept = sorted({s for s in secrets if s and len(s) >= MIN_LENGTH}, key=len, reverse=True)
    return lambda text: mask_each(text, kept, ignore_case=True)


def masked(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {mask(str(k)): masked(v, mask) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, mask) for v in value]
    return value


def public_base(api_base: str) -> str:
    parts = urlsplit(api_base)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def as_dict(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["counts"] = report.counts
    data["exit_status"] = report.exit_status()
    data["tool"] = "laas-check --probe"
    return data


def table(report: Report, width: int = 34) -> str:
    def cell(text: str, size: int) -> str:
        text = " ".join(str(text).split())
        return (text if len(text) <= size else text[: size - 1] + "…").ljust(size)

    lines = [f"{cell('row', 19)} {cell('assumed', width)} {cell('observed', width + 12)} verdict"]
    lines.append("-" * len(lines[0]))
    for row in report.rows:
        lines.append(f"{cell(row.id, 19)} {cell(row.assumed, width)} "
                     f"{cell(row.observed, width + 12)} {row.verdict}")  # fmt: skip
    return "\n".join(lines)


def markdown(report: Report) -> str:
    def esc(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    counts = report.counts
    lines = [
        f"# LaaS conformance report ({report.started})",
        "",
        f"Made by `laas-check --probe{' media' if report.probes == 'media' else ''}` "
        "(laas-provider). API key, project code and preset hash are masked (`***`).",
        "",
        f"- LaaS: {report.api_base}",
        f"- calls: {report.calls_made} of {report.calls_planned} planned; completion tokens "
        f"used: {report.tokens_used} (bound {report.completion_token_bound})",
        f"- verdicts: {counts[AGREE]} agree, {counts[DISAGREE]} disagree, "
        f"{counts[UNKNOWN]} unknown",
        f"- stopped early: {report.stopped or report.skipped}"
        if report.stopped or report.skipped
        else "- ran to the end",
        "",
        "| row | assumption (docs/assumptions.md) | what we assumed | what LaaS did | verdict "
        "| what the plugin does |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        lines.append(f"| {r.id} | {esc(r.topic)} | {esc(r.assumed)} | {esc(r.observed)} | "
                     f"**{r.verdict}** | {esc(r.plugin)} |")  # fmt: skip
    lines += ["", "`unknown`: the probe could not tell (not a failure). `disagree`: the service "
              "does not behave as assumed; see docs/assumptions.md for what the plugin does.", ""]  # fmt: skip
    if report.advice:
        lines += ["## What to set on the deployment (`litellm_params`)", ""]
        lines += [f"- {esc(line)}" for line in report.advice] + [""]
    return "\n".join(lines)


def write_files(report: Report, out_dir: Path, mask: Callable[[str], str]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"laas-probe-{report.started[:10]}"
    n = 1
    while (out_dir / f"{stem}.json").exists() or (out_dir / f"{stem}.md").exists():
        n += 1
        stem = f"laas-probe-{report.started[:10]}-{n}"
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(masked(as_dict(report), mask), indent=2, ensure_ascii=False)
                         + "\n")  # fmt: skip
    md_path.write_text(mask(markdown(report)))
    return json_path, md_path
