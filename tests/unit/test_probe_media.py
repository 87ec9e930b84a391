"""`laas-check --probe media`: its files, its budget and skip rule, the advice it gives, and
the emulator's checks it relies on (sides in px, images per message or request, PDF pages
per document or request). tests/e2e/test_probe.py runs it against the real emulator."""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from laas_provider import check
from laas_provider.emulator import behaviour, create_app, preset_hash
from laas_provider.emulator.multimodal import Received, check_part
from laas_provider.probe import advice, catalogue, media_catalogue, model, report
from laas_provider.probe import media as probe_media
from laas_provider.probe import run as runner
from laas_provider.settings import resolve

KEY, PROJECT, BASE = "unit-media-api-key-81c2", "UNIT_MEDIA_PRJ_3", "http://emu.test"
MEDIA_ROWS = ["users_consecutive", "images_four", "images_spread", "image_5000px",
              "pdf_21_pages", "pdf_split_parts"]  # fmt: skip


def settings():
    env = {"LAAS_API_BASE": BASE, "LAAS_API_KEY": KEY, "LAAS_PROJECT_CODE": PROJECT,
           "LAAS_PRESET_HASH": preset_hash("echo")}  # fmt: skip
    return resolve(None, None, {}, env=env)


# --- the files ---------------------------------------------------------------------------


def test_large_png_is_5000_px_of_red_in_a_few_kb():
    data = probe_media.png_large(*media_catalogue.BIG)
    assert len(data) < 4096
    image = Image.open(io.BytesIO(data))
    assert image.size == (5000, 2500)
    image.load()
    assert {image.convert("RGB").getpixel(xy) for xy in ((0, 0), (4999, 2499))} == {(255, 0, 0)}


def test_pdfs_whole_and_in_parts_have_the_right_pages_and_the_code_word_last():
    whole = PdfReader(io.BytesIO(probe_media.pdf(21)))
    head = PdfReader(io.BytesIO(probe_media.pdf(20, 1, 21)))
    tail = PdfReader(io.BytesIO(probe_media.pdf(1, 21, 21)))
    assert (len(whole.pages), len(head.pages), len(tail.pages)) == (21, 20, 1)
    word = probe_media.PDF_CODE_WORD
    assert word in whole.pages[20].extract_text() and word in tail.pages[0].extract_text()
    assert all(word not in page.extract_text() for page in head.pages)
    assert "Page 7 of 21." in whole.pages[6].extract_text()
    assert len(probe_media.pdf(21)) < 8192  # tiny in bytes; dear only in tokens
    assert PdfReader(io.BytesIO(probe_media.pdf())).pages[0].extract_text().strip() == (
        f"The code word is {word}."
    )


# --- the plan: opt-in, estimated per call, the split PDF only after a refusal -----------


def test_media_rows_are_not_in_the_default_run_and_are_in_the_media_one():
    default = [c.id for p in catalogue.build_probes() for c in p.checks]
    media = [c.id for p in media_catalogue.build_media_probes() for c in p.checks]
    assert media == MEDIA_ROWS and not set(media) & set(default)
    assert "image_webp" in default and "image_gif" in default  # cheap: they stay


def test_media_budget_counts_the_allowances_and_the_pdf_pair_once():
    probes = {p.name: p for p in media_catalogue.build_media_probes()}
    assert probes["images_four"].input_tokens >= 4 * model.IMAGE_TOKENS
    assert probes["pdf_21_pages"].input_tokens >= 21 * model.PDF_PAGE_TOKENS
    assert probes["pdf_split_parts"].only_if_refused == "pdf_21_pages"
    plan = runner.budget(list(probes.values()))
    every = sum(p.input_tokens for p in probes.values())
    assert plan.input_tokens == every - probes["pdf_21_pages"].input_tokens
    assert 70_000 < plan.input_tokens < 80_000
    assert len(plan.per_call) == 6 and "sent only if LaaS refuses pdf_21_pages" in plan.per_call[-1]


def test_readme_and_assumptions_state_the_real_media_estimate():
    plan = runner.budget(media_catalogue.build_media_probes())
    root = Path(__file__).resolve().parents[2]
    for doc in ("README.md", "docs/assumptions.md"):
        text = " ".join((root / doc).read_text().split())
        assert f"about {round(plan.input_tokens, -2):,} input tokens" in text, doc
    assumptions = " ".join((root / "docs/assumptions.md").read_text().split())
    assert f"at most {plan.completion_tokens} completion tokens" in assumptions


def test_the_estimate_is_printed_before_asking_and_nothing_is_sent_on_no(tmp_path, capsys):
    sent: list[model.Call] = []
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(capsys.readouterr().out)  # all printed before the question
        return "n"

    code = runner.main(settings(), tmp_path, media=True, sender=sent.append, ask=ask,
                       interactive=True)  # fmt: skip
    assert code == model.EXIT_STOPPED and not sent and not list(tmp_path.iterdir())
    plan = runner.budget(media_catalogue.build_media_probes())
    assert f"about {plan.input_tokens:,} input tokens" in asked[0]
    assert "pdf_21_pages" in asked[0] and "63,0" in asked[0]


@pytest.mark.parametrize(("whole", "sends_split"), [(200, False), (400, True), (500, False)])
def test_the_split_pdf_is_sent_only_after_the_whole_one_is_refused(whole, sends_split):
    names: list[str] = []

    def sender(call: model.Call) -> model.Outcome:
        body = call.body or {}
        docs = [p for m in body["messages"] for p in m["content"] if p.get("type") == "document"]
        names.append("split" if len(docs) == 2 else "whole" if docs else "other")
        status = whole if names[-1] == "whole" else 200
        data = {"choices": [{"message": {"content": "ok"}}]} if status == 200 else {"message": "x"}
        return model.Outcome(status=status, data=data)

    result = runner.run(media_catalogue.build_media_probes(), model.Target(settings()), sender,
                        model.Report("d", BASE, 0, 0, 0))  # fmt: skip
    assert ("split" in names) == sends_split and names.count("whole") == 1
    split = next(r for r in result.rows if r.id == "pdf_split_parts")
    assert sends_split or (split.observed.startswith("not run") and split.verdict == "unknown")


def test_cli_takes_probe_media_and_plain_probe(monkeypatch):
    import laas_provider.probe as probe

    seen: list[bool] = []
    monkeypatch.setattr(probe, "main", lambda *_a, media, **_k: seen.append(media) or 0)
    for name, value in {"LAAS_API_KEY": KEY, "LAAS_PROJECT_CODE": PROJECT,
                        "LAAS_PRESET_HASH": "a" * 64}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert check.main(["--probe", "media", "--yes"]) == 0
    assert check.main(["--probe", "--yes"]) == 0
    assert seen == [True, False]
    with pytest.raises(SystemExit):
        check.main(["--probe", "everything"])


# --- the advice ----------------------------------------------------------------------------


def rows(**taken: bool | None) -> list[model.Row]:
    return [model.Row(name, "t", "a", taken=value) for name, value in taken.items()]


@pytest.mark.parametrize(
    ("taken", "says"),
    [
        ({"image_webp": True}, "add `webp` to `image_formats`"),
        ({"image_gif": False}, "keep `gif` out of `image_formats`"),
        ({"images_four": False, "images_spread": True}, "`spread_images: true` is safe"),
        ({"images_four": True, "images_spread": True}, "not the documented 3"),
        ({"users_consecutive": False, "images_spread": False}, "refuses two user messages"),
        ({"users_consecutive": True, "images_spread": False}, "counts images per request"),
        ({"pdf_21_pages": False, "pdf_split_parts": True}, "`split_pdfs: true` is safe"),
        ({"pdf_21_pages": False, "pdf_split_parts": False}, "keep `split_pdfs` off"),
        ({"pdf_21_pages": True}, "`split_pdfs` is not needed"),
        ({"image_5000px": True}, "`image_max_side` may be raised as far as 5000"),
        ({"image_5000px": False}, "keep `image_max_side` at 1568"),
    ],
)
def test_advice(taken, says):
    [line] = advice.advise(rows(**taken))
    assert says in line


def test_no_advice_from_rows_that_could_not_be_told():
    assert advice.advise(rows(**dict.fromkeys(MEDIA_ROWS))) == []


def test_markdown_has_the_advice_and_names_the_media_run():
    done = model.Report("2026-01-01T00:00:00Z", BASE, 6, 96, 77_504, probes="media",
                        advice=["LaaS took WebP as it is: add `webp` to `image_formats`"])  # fmt: skip
    text = report.markdown(done)
    assert "`laas-check --probe media`" in text and "## What to set on the deployment" in text
    assert "- LaaS took WebP as it is" in text


# --- the emulator's checks behind the rows -------------------------------------------------


def image_part(data: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": probe_media.data_url("image/png", data)}}


def test_emulator_refuses_a_side_over_8000_px_read_from_the_header():
    assert check_part(image_part(probe_media.png_large(8000, 10)), "p", Received(), 0) is None
    problem = check_part(image_part(probe_media.png_large(8001, 10)), "p", Received(), 0)
    assert problem == "p: image is 8001x10 px; at most 8000 px a side"
    small = Received(deviations=frozenset({"refuse_over_1568_px"}))
    assert check_part(image_part(probe_media.png_large(1568, 10)), "p", small, 0) is None
    problem = check_part(image_part(probe_media.png_large(1569, 10)), "p", small, 0)
    assert problem and "at most 1568 px" in problem


def test_emulator_refuses_a_decompression_bomb_header_at_once():
    # 30000 x 30000 px (900 MP) declared in a 100-byte PNG: no pixel is decoded.
    header = b"\x89PNG\r\n\x1a\n" + probe_media._png_chunk(
        b"IHDR", (30000).to_bytes(4, "big") * 2 + bytes((8, 2, 0, 0, 0))
    ) + probe_media._png_chunk(b"IDAT", zlib.compress(b"")) + probe_media._png_chunk(b"IEND", b"")  # fmt: skip
    started = time.perf_counter()
    problem = check_part(image_part(header), "p", Received(), 0)
    assert problem and "at most 8000 px a side" in problem
    assert time.perf_counter() - started < 1


def post(deviations: str, messages: list[dict]) -> tuple[int, str]:
    app = create_app(PROJECT, KEY)
    app.state.emulator.deviations = behaviour.parse(deviations)
    body = {"hash": preset_hash("echo"), "params": {}, "messages": messages}
    with TestClient(app) as client:
        answer = client.post("/api/preset/v2/chat/completions", json=body,
                             headers={"project": PROJECT, "apiKey": KEY})  # fmt: skip
    return answer.status_code, answer.text


@pytest.mark.parametrize(
    ("deviation", "probe_name", "status"),
    [("", "images_spread", 200), ("count_images_per_request", "images_spread", 400),
     ("refuse_consecutive_users", "users_consecutive", 400),
     ("", "images_four", 400), ("accept_four_images", "images_four", 200),
     ("", "pdf_21_pages", 400), ("accept_long_pdfs", "pdf_21_pages", 200),
     ("", "pdf_split_parts", 200), ("count_pages_per_request", "pdf_split_parts", 400),
     ("", "image_5000px", 200), ("refuse_over_1568_px", "image_5000px", 400)],
)  # fmt: skip
def test_emulator_takes_each_probe_body_as_assumed_or_as_switched(deviation, probe_name, status):
    probes = {p.name: p for p in media_catalogue.build_media_probes()}
    body = probes[probe_name].build(model.Target(settings())).body
    got, text = post(deviation, body["messages"])
    assert got == status, text
