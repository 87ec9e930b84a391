"""`laas-check --probe`: budget, stop rules, judging, masking and the report files.

Runs use the emulator app in-process (Starlette's TestClient is an httpx.Client), with its
deviation switches; tests/e2e/test_probe.py runs the real command against the real process.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader

from laas_provider.emulator import behaviour, create_app, preset_hash
from laas_provider.emulator.multimodal import Received, check_part
from laas_provider.probe import catalogue, judges, model
from laas_provider.probe import media as probe_media
from laas_provider.probe import run as runner
from laas_provider.settings import resolve
from laas_provider.transform import build_body
from laas_provider.transform.media.work import Pending

KEY = "unit-probe-api-key-5f3a"
PROJECT = "UNIT_PROBE_PRJ_7"
HASH = preset_hash("echo")
BASE = "http://emu.test"


def settings(key: str = KEY):
    env = {"LAAS_API_BASE": BASE, "LAAS_API_KEY": key, "LAAS_PROJECT_CODE": PROJECT,
           "LAAS_PRESET_HASH": HASH}  # fmt: skip
    return resolve(None, None, {}, env=env)


@pytest.fixture
def emu():
    app = create_app(PROJECT, KEY)
    with TestClient(app, base_url=BASE) as http_client:
        yield app.state.emulator, http_client


def run(emu, *deviations: str, key: str = KEY) -> model.Report:
    state, http_client = emu
    state.deviations = behaviour.parse(list(deviations))
    report = model.Report("2026-01-01T00:00:00Z", BASE, 0, 0, 0)
    target = model.Target(settings(key))
    return runner.run(catalogue.build_probes(), target,
                     lambda call: runner.send(call, 10, http_client), report)  # fmt: skip


def verdicts(report: model.Report) -> dict[str, str]:
    return {row.id: row.verdict for row in report.rows}


# --- media ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "gif"])
def test_media_are_real_red_images(fmt):
    image = Image.open(io.BytesIO(getattr(probe_media, fmt)()))
    image.load()
    assert image.format == fmt.upper() and image.size == (16, 16)
    for xy in ((0, 0), (8, 8), (15, 15)):
        r, g, b = image.convert("RGB").getpixel(xy)
        assert r >= 250 and g <= 5 and b <= 5


def test_media_pdf_is_one_page_with_the_code_word():
    reader = PdfReader(io.BytesIO(probe_media.pdf()))
    assert len(reader.pages) == 1
    assert probe_media.PDF_CODE_WORD in reader.pages[0].extract_text()


def test_emulator_takes_png_jpeg_pdf_and_refuses_webp_gif_which_the_plugin_converts():
    for fmt, ok in (("png", True), ("jpeg", True), ("webp", False), ("gif", False)):
        url = probe_media.data_url(f"image/{fmt}", getattr(probe_media, fmt)())
        part = {"type": "image_url", "image_url": {"url": url}}
        problem = check_part(part, "p", Received(), 0)
        assert (problem is None) == ok, (fmt, problem)
        (sent,) = build_body("h", [{"role": "user", "content": [part]}], {})["messages"]
        assert isinstance(sent["content"][0], Pending) is not ok  # converted in a worker
    pdf = probe_media.data_url("application/pdf", probe_media.pdf())
    seen = Received()
    assert check_part({"type": "document", "document_url": {"url": pdf}}, "p", seen, 0) is None
    assert seen.pages == 1


# --- plan ----------------------------------------------------------------------------------


def test_budget_is_bounded_and_counts_every_call():
    probes = catalogue.build_probes()
    plan = runner.budget(probes)
    assert plan.calls == len(probes) <= model.MAX_CALLS
    bodies = [p.build(model.Target(settings())).body for p in probes]
    chat = [b for b in bodies if b is not None]
    assert all(0 < b["max_tokens"] <= 48 for b in chat)
    assert plan.completion_tokens == sum(p.max_tokens for p in probes) <= 400
    assert str(plan.calls) in plan.describe() and str(plan.completion_tokens) in plan.describe()
    # Every row id is unique, and every probe settles at least one row.
    ids = [c.id for p in probes for c in p.checks]
    assert len(ids) == len(set(ids)) and all(p.checks for p in probes)


def test_readme_states_the_real_budget():
    plan = runner.budget(catalogue.build_probes())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"{plan.calls} calls, each sent once" in readme
    assert f"at most {plan.completion_tokens}\ncompletion tokens" in readme
    assert f"on the {plan.spending_calls} calls" in readme


def test_raw_bodies_are_laas_bodies_not_the_plugins():
    probes = {p.name: p for p in catalogue.build_probes()}
    target = model.Target(settings())
    string = probes["content_string"].build(target).body
    assert string["hash"] == HASH and isinstance(string["messages"][0]["content"], str)
    assert probes["stream"].build(target).body["stream"] is True
    assert probes["tools"].build(target).body["tools"][0]["function"]["name"] == "get_weather"
    bad_key = probes["error_bad_key"].build(target)
    assert bad_key.headers["apiKey"] == model.WRONG_KEY and KEY not in json.dumps(bad_key.body)


# --- runs against the in-process emulator ---------------------------------------------------


def test_all_rows_agree_with_the_emulator(emu):
    report = run(emu)
    assert set(verdicts(report).values()) == {model.AGREE}, [
        (r.id, r.observed) for r in report.rows if r.verdict != model.AGREE
    ]
    assert report.calls_made == len(catalogue.build_probes()) and report.exit_status() == 0


@pytest.mark.parametrize(
    ("deviation", "rows"),
    [
        ("ignore_stop", {"stop"}),
        ("created_seconds", {"created"}),
        ("ignore_response_format", {"response_format"}),
        ("stream_sse", {"stream"}),
        ("native_tools", {"tools"}),
        ("accept_webp", {"image_webp"}),
        ("no_model", {"model"}),
    ],
)
def test_a_deviation_turns_its_row_to_disagree(emu, deviation, rows):
    report = run(emu, deviation)
    disagree = {r.id for r in report.rows if r.verdict == model.DISAGREE}
    assert disagree == rows
    assert report.exit_status() == model.EXIT_DISAGREE


def test_stops_at_the_first_401_on_your_credentials(emu):
    report = run(emu, key="not-the-key")
    assert report.calls_made == 1 and report.stopped and "401" in report.stopped
    assert {r.verdict for r in report.rows} == {model.UNKNOWN}
    assert report.exit_status() == model.EXIT_STOPPED
    assert emu[0].received == type(emu[0].received)()  # no chat call was sent


def test_stops_at_403_and_429_and_no_answer():
    probes = catalogue.build_probes()
    target = model.Target(settings())
    for outcome, words in ((model.Outcome(status=403), "403"), (model.Outcome(status=429), "429"),
                           (model.Outcome(error="ConnectError"), "ConnectError")):  # fmt: skip
        calls: list[model.Call] = []
        report = runner.run(probes, target, lambda c, o=outcome, seen=calls: seen.append(c) or o,
                           model.Report("d", BASE, 0, 0, 0))  # fmt: skip
        assert len(calls) == 1 and words in report.stopped
        assert len(report.rows) == sum(len(p.checks) for p in probes)


def test_expected_error_probes_do_not_stop_the_run():
    # The bad-key probe expects a 401; it is the last call, and the run goes on regardless.
    probes = [
        p for p in catalogue.build_probes() if p.name in ("error_bad_key", "error_unknown_hash")
    ]
    report = runner.run(list(reversed(probes)), model.Target(settings()),
                       lambda c: model.Outcome(status=401, data={"message": "no"}, text="{}"),
                       model.Report("d", BASE, 0, 0, 0))  # fmt: skip
    assert report.calls_made == 2 and report.stopped is None


def test_an_answer_over_max_tokens_stops_spending_but_not_the_free_calls(emu):
    report = run(emu, "ignore_max_tokens")
    by_id = {r.id: r for r in report.rows}
    assert by_id["max_tokens"].verdict == model.DISAGREE
    assert by_id["stop"].observed.startswith("not run") and by_id["pdf"].verdict == model.UNKNOWN
    assert by_id["error_bad_key"].verdict == model.AGREE  # free calls still made
    assert report.skipped and report.exit_status() == model.EXIT_DISAGREE
    assert report.calls_made == 1 + 1 + 2  # preset info, max_tokens, the two error calls


# --- judging -------------------------------------------------------------------------------


def answer(content="hi", finish="stop", **extra) -> model.Outcome:
    data = {"choices": [{"message": {"content": content}, "finish_reason": finish}], **extra}
    return model.Outcome(status=200, data=data, text=json.dumps(data))


def test_judges():
    import time

    now = time.time()
    assert judges.judge_created(answer(created=int(now * 1000)))[0] == model.AGREE
    assert judges.judge_created(answer(created=int(now)))[0] == model.DISAGREE
    assert judges.judge_created(answer(created=1))[0] == model.DISAGREE
    assert judges.judge_stop(answer("alpha bravo"))[0] == model.AGREE
    assert judges.judge_stop(answer("alpha bravo charlie delta"))[0] == model.DISAGREE
    assert judges.judge_stop(answer("I cannot"))[0] == model.UNKNOWN
    assert judges.judge_json(answer('{"greeting": "hi"}'))[0] == model.AGREE
    assert judges.judge_json(answer("Hello there"))[0] == model.DISAGREE
    assert judges.judge_json(answer('{"greeting": "hel', "length"))[0] == model.UNKNOWN
    assert judges.judge_finish(answer(finish="end_turn"))[0] == model.AGREE
    assert judges.judge_finish(answer(finish="complete"))[0] == model.DISAGREE
    sse = model.Outcome(status=200, content_type="text/event-stream",
                        text='data: {"id": "x", "choices": []}\n\ndata: [DONE]\n\n')  # fmt: skip
    verdict, observed = judges.judge_stream(sse)
    assert verdict == model.DISAGREE and "[DONE]" in observed and "choices, id" in observed
    assert judges.judge_stream(answer())[0] == model.AGREE
    assert judges.judge_stream(model.Outcome(status=400, data={"message": "no"}))[0] == model.AGREE
    assert "set `native_stream: v2`" in judges.stream_advice(sse)
    odd = model.Outcome(status=200, content_type="text/event-stream", text="data: hello\n\n")
    assert "keep native_stream off" in judges.stream_advice(odd)
    assert "keep `native_stream` off" in judges.stream_advice(answer())
    assert judges.judge_max_tokens(8)(answer("1 2 3 4", "max_tokens"))[0] == model.AGREE
    long = answer(" ".join(map(str, range(1, 31))), "stop", usage={"completion_tokens": 90})
    assert judges.judge_max_tokens(8)(long)[0] == model.DISAGREE
    text_error = model.Outcome(status=404, text="Not Found", content_type="text/plain")
    assert judges.judge_error(None)(text_error)[0] == model.DISAGREE
    json_error = model.Outcome(status=404, data={"message": "preset not found"})
    assert judges.judge_error(None)(json_error)[0] == model.AGREE
    assert judges.judge_error((401, 403))(json_error)[0] == model.DISAGREE
    assert judges.expect_refused(answer())[0] == model.DISAGREE
    assert judges.expect_accepted(model.Outcome(status=500, text="oops"))[0] == model.UNKNOWN


def test_unknown_rows_do_not_fail_but_a_disagreeing_one_does():
    report = model.Report("d", BASE, 0, 0, 0, rows=[model.Row("a", "t", "x", verdict="unknown")])
    assert report.exit_status() == 0
    report.rows.append(model.Row("b", "t", "x", verdict="disagree"))
    assert report.exit_status() == 3


# --- masking, files, asking ----------------------------------------------------------------


def test_secrets_are_masked_everywhere_even_when_the_service_echoes_them(tmp_path, capsys):
    leaky = json.dumps(
        {"message": f"bad key {KEY} for {PROJECT.lower()} and preset {HASH.upper()}"}
    )

    def sender(call: model.Call) -> model.Outcome:
        return model.Outcome(status=400, text=leaky, data=json.loads(leaky))

    code = runner.main(settings(), tmp_path, assume_yes=True, sender=sender)
    out = capsys.readouterr()
    files = [p.read_text() for p in tmp_path.iterdir()]
    assert len(files) == 2 and code == model.EXIT_DISAGREE
    for text in (out.out, out.err, *files):
        for secret in (KEY, PROJECT, HASH):
            assert secret.lower() not in text.lower()
    assert "***" in files[0] and "***" in files[1]


def test_report_files_are_named_by_date_and_never_overwritten(tmp_path, emu):
    _, http_client = emu
    for _ in range(2):
        code = runner.main(settings(), tmp_path, assume_yes=True,
                          sender=lambda call: runner.send(call, 10, http_client))  # fmt: skip
        assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and names[0].startswith("laas-probe-20") and names[0].endswith("-2.json")
    assert names[2] == names[0].replace("-2.json", ".json")
    data = json.loads((tmp_path / names[2]).read_text())  # laas-probe-<date>.json
    assert data["counts"]["agree"] == len(data["rows"]) and data["calls_made"] == 18
    assert data["exit_status"] == 0 and data["tool"] == "laas-check --probe"


@pytest.mark.parametrize(
    ("yes", "interactive", "reply", "sends"),
    [(True, False, None, True), (False, False, "y", False), (False, True, "y", True),
     (False, True, "", False), (False, True, "no", False)],
)  # fmt: skip
def test_asks_before_spending(tmp_path, yes, interactive, reply, sends):
    calls: list[model.Call] = []

    def sender(call: model.Call) -> model.Outcome:
        calls.append(call)
        return model.Outcome(status=401)

    code = runner.main(settings(), tmp_path, assume_yes=yes, sender=sender,
                      ask=lambda _prompt: reply, interactive=interactive)  # fmt: skip
    assert bool(calls) == sends and code == model.EXIT_STOPPED
    assert not sends or len(calls) == 1  # and a 401 stops at once
    assert any(Path(tmp_path).iterdir()) == sends


def test_behaviour_names_are_checked():
    assert behaviour.parse("ignore_stop, created_seconds") == {"ignore_stop", "created_seconds"}
    with pytest.raises(ValueError, match="unknown deviation"):
        behaviour.parse("ignore_everything")


def test_emulator_behaviour_endpoint_and_environment(monkeypatch):
    monkeypatch.setenv(behaviour.ENV, "ignore_stop")
    app = create_app(PROJECT, KEY)
    assert app.state.emulator.deviations == {"ignore_stop"}
    with TestClient(app) as http_client:
        assert http_client.get("/_emulator/behaviour").json()["deviations"] == ["ignore_stop"]
        refused = http_client.post("/_emulator/behaviour", json={"deviate": ["nonsense"]})
        assert refused.status_code == 400 and "nonsense" in refused.json()["message"]
        assert app.state.emulator.deviations == {"ignore_stop"}  # unchanged
        http_client.post("/_emulator/behaviour", json={"deviate": []}).raise_for_status()
        assert app.state.emulator.deviations == frozenset()


def test_emulator_error_text_switch_changes_only_error_bodies(emu):
    state, http_client = emu
    state.deviations = behaviour.parse("error_text")
    headers = {"project": PROJECT, "apiKey": KEY}
    body = {"hash": HASH, "params": {}, "messages": [{"role": "user", "content": "hi"}]}
    ok = http_client.post("/api/preset/v2/chat/completions", json=body, headers=headers)
    assert ok.status_code == 200 and ok.json()["choices"]
    missing = http_client.post("/api/preset/v2/chat/completions", json={**body, "hash": "0" * 64},
                               headers=headers)  # fmt: skip
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/plain")
    assert missing.text == "Error: preset not found"
