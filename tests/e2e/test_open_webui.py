"""Open WebUI, installed and started as docs/clients.md says, in front of the shipped proxy on
the emulator: sign-up, the model list, a streamed chat with an image, the title task, and what
one chat turn costs in LaaS calls with its background tasks on, off, or on a cheaper model.

``scripts/openwebui.sh`` installs it (own venv, CPU torch first; pinned, cached outside the
repository). The doc's start block runs word for word under bash with a fresh HOME (holding a
link to that venv and its DATA_DIR), only the proxy's address, key and port swapped; all of
HOME is removed afterwards. Its HTTP(S) proxy variables point at a loopback listener that
counts connections: anything Open WebUI tried to fetch from the internet would show there.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from laas_provider.emulator import preset_hash

from .harness import Emulator, Process, Proxy, free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "clients.md").read_text()
SERVE = "\n~/open-webui/bin/open-webui serve"
(START,) = [b for b in re.findall(r"```sh\n(.*?)```", DOC, re.S) if SERVE in b]
(INSTALL,) = [b for b in re.findall(r"```bash\n(.*?)```", DOC, re.S) if "open-webui==" in b]
MODEL, CHEAP = "claude-4-sonnet", "claude-3.5-sonnet"
# The start of each task's prompt (Open WebUI's default templates) and what the model answers.
TASKS = {
    "title": ("Generate a concise title", {"title": "Bee facts"}),
    "tags": ("Generate 1-3 broad tags", {"tags": ["Science", "Insects"]}),
    "follow_ups": ("Predict 3-5 useful messages", {"follow_ups": ["And wasps?"]}),
}
TIMINGS: dict[str, float] = {}


class Sentinel:
    """A loopback listener that takes the place of an HTTP(S) proxy: it counts and closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


class OpenWebUI(Process):
    """The doc's start block under bash, in a process group of its own (bash may fork)."""

    def spawn(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class WebUI:
    url: str
    token: str
    process: OpenWebUI
    sentinel: Sentinel

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)


def timed(step: str, started: float) -> None:
    TIMINGS[step] = time.monotonic() - started
    print(f"open-webui: {step} {TIMINGS[step]:.1f} s")


@pytest.fixture(scope="module")
def venv() -> Path:
    """Open WebUI's venv, installed (or found up to date) by scripts/openwebui.sh."""
    started = time.monotonic()
    done = subprocess.run(["bash", str(ROOT / "scripts" / "openwebui.sh")],
                          capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert done.returncode == 0, f"scripts/openwebui.sh failed:\n{done.stderr[-4000:]}"
    timed("install (scripts/openwebui.sh)", started)
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def webui(venv, shipped_proxy: Proxy, log_dir, tmp_path_factory) -> Iterator[WebUI]:
    home = tmp_path_factory.mktemp("open-webui-home")
    (home / "open-webui").symlink_to(venv)
    port = free_port()
    script = (
        START.replace("http://127.0.0.1:4000", shipped_proxy.url)
        .replace("sk-laas-local", shipped_proxy.master_key)
        .replace("--port 8080", f"--port {port}")
    )
    sentinel = Sentinel()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
           "HTTP_PROXY": sentinel.url, "HTTPS_PROXY": sentinel.url, "ALL_PROXY": sentinel.url,
           "NO_PROXY": "127.0.0.1,localhost"}  # fmt: skip
    env.update({k.lower(): v for k, v in env.items() if k.endswith("_PROXY")})
    process = OpenWebUI(f"open-webui-{port}", ["bash", "-euc", script], env, log_dir)
    process.cwd = home
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        process.start(f"{url}/health", seconds=240)
        timed("start (until /health answers)", started)
        started = time.monotonic()
        signup = httpx.post(f"{url}/api/v1/auths/signup", timeout=60,
                            json={"name": "t", "email": "t@example.com", "password": "pw"})  # fmt: skip
        assert signup.status_code == 200, signup.text
        assert signup.json()["role"] == "admin"  # the first account
        timed("sign-up", started)
        yield WebUI(url, signup.json()["token"], process, sentinel)
    finally:
        process.stop()
        sentinel.close()
        shutil.rmtree(home)  # DATA_DIR (~/open-webui-data) and its secret key file
    print("open-webui timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMINGS.items()))


def png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def text_of(body: dict[str, Any]) -> str:
    return json.dumps(body["messages"], ensure_ascii=False)


def kind(body: dict[str, Any]) -> str:
    """Which of Open WebUI's calls this LaaS call was: a task's name, or the chat answer."""
    first = body["messages"][-1]["content"]
    first = first if isinstance(first, str) else first[0].get("text", "")
    return next((name for name, (starts, _) in TASKS.items() if starts in first), "answer")


def script_tasks(emulator: Emulator, preset: str) -> None:
    for starts, answer in TASKS.values():
        body = {"preset": preset, "match": starts, "answers": [json.dumps(answer)]}
        httpx.post(f"{emulator.url}/_emulator/script", json=body).raise_for_status()


def wait_for(what: str, check: Callable[[], Any], seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def browser_turn(webui: WebUI, text: str, chat: dict[str, Any] | None) -> dict[str, Any]:
    """One turn as Open WebUI's browser app sends it (0.12.4): a new chat when ``chat`` is
    None, with title and tags asked for on the first turn and follow-ups on every turn."""
    turn = len(chat["history"]["messages"]) // 2 + 1 if chat else 1
    parent = f"a{turn - 1}" if chat else None
    user = {"id": f"u{turn}", "parentId": parent, "childrenIds": [], "role": "user",
            "content": text, "timestamp": int(time.time()), "models": [MODEL]}  # fmt: skip
    earlier = [
        {"role": m["role"], "content": m.get("content", "")}
        for m in (chat["messages"] if chat else [])
    ]
    tasks = {"follow_up_generation": True}
    if chat is None:
        tasks = {"title_generation": True, "tags_generation": True, **tasks}
    before = {c["id"] for c in webui.call("GET", "/api/v1/chats/").json()}
    body = {"model": MODEL, "stream": True, "messages": [*earlier, {"role": "user", "content": text}],
            "params": {}, "features": {}, "variables": {}, "id": f"a{turn}",
            "parent_id": parent, "user_message": user, "background_tasks": tasks,
            **({"chat_id": chat["id"]} if chat else {})}  # fmt: skip
    sent = webui.call("POST", "/api/chat/completions", json=body)
    assert sent.status_code == 200, sent.text
    chat_id = chat["id"] if chat else wait_for("the new chat", lambda: next(
        (c["id"] for c in webui.call("GET", "/api/v1/chats/").json() if c["id"] not in before),
        None))  # fmt: skip

    def answered() -> dict[str, Any] | None:
        stored = webui.call("GET", f"/api/v1/chats/{chat_id}").json()["chat"]
        message = stored["history"]["messages"].get(f"a{turn}", {})
        return stored if message.get("done") else None

    return {**wait_for("the answer", answered), "id": chat_id}


def laas_calls(emulator: Emulator, text: str, expected: int) -> list[dict[str, Any]]:
    """The LaaS calls of a turn (those that carry its text), once ``expected`` have come and
    a second has passed with no more (the tasks run after the answer, in the background)."""
    wait_for(f"{expected} LaaS calls",
             lambda: len([b for b in emulator.received() if text in text_of(b)]) >= expected)  # fmt: skip
    time.sleep(1.5)
    return [b for b in emulator.received() if text in text_of(b)]


def set_tasks(webui: WebUI, **changes: Any) -> dict[str, Any]:
    """Change Open WebUI's task settings as its Admin Panel does; returns the old ones."""
    old = webui.call("GET", "/api/v1/tasks/config").json()
    done = webui.call("POST", "/api/v1/tasks/config/update", json={**old, **changes})
    assert done.status_code == 200, done.text
    return old


# --- the recipe -----------------------------------------------------------------------------


def test_the_doc_pins_what_the_install_script_installs():
    pins = (ROOT / "scripts" / "openwebui.sh").read_text()
    for name in ("OPEN_WEBUI_VERSION", "TORCH_VERSION"):
        version = re.search(rf'{name}="\$\{{{name}:-([^}}]+)\}}"', pins).group(1)
        package = "open-webui" if name.startswith("OPEN") else "torch"
        assert f"pip install {package}=={version}" in INSTALL, (package, version)
    assert INSTALL.index("torch==") < INSTALL.index("open-webui==")  # CPU torch first


def test_models_are_listed_from_the_proxy(webui, emulator):
    started = time.monotonic()
    models = webui.call("GET", "/api/models")
    timed("model list", started)
    assert models.status_code == 200, models.text
    assert {MODEL, CHEAP, "claude-3.7-sonnet"} <= {m["id"] for m in models.json()["data"]}
    assert emulator.received() == []  # the list is the proxy's; LaaS is not asked


def test_a_streamed_chat_with_an_image(webui, emulator):
    image = png()
    content = [{"type": "text", "text": "What colour is this?"},
               {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}}]  # fmt: skip
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": content}]}
    started = time.monotonic()
    with httpx.stream("POST", f"{webui.url}/api/chat/completions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {webui.token}"}) as response:  # fmt: skip
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    timed("streamed chat with an image", started)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    answer = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert f"preset={MODEL}" in answer and "received: 1 images" in answer, answer
    (call,) = emulator.received()  # no task: a call without a chat asks for none
    assert call["hash"] == preset_hash(MODEL)
    parts = call["messages"][-1]["content"]
    assert {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}} in parts


def test_the_title_task(webui, emulator):
    script_tasks(emulator, MODEL)
    messages = [{"role": "user", "content": "what is a bee"}]
    started = time.monotonic()
    title = webui.call("POST", "/api/v1/tasks/title/completions",
                       json={"model": MODEL, "messages": messages})  # fmt: skip
    timed("title task", started)
    assert title.status_code == 200, title.text
    assert json.loads(title.json()["choices"][0]["message"]["content"]) == TASKS["title"][1]
    (call,) = emulator.received()
    assert kind(call) == "title" and "what is a bee" in text_of(call)
    assert call["max_tokens"] == 1000  # Open WebUI's own limit for the task, passed on


# --- what a chat turn costs -----------------------------------------------------------------


def test_a_chat_turn_costs_four_laas_calls_then_two_with_the_default_tasks(webui, emulator):
    script_tasks(emulator, MODEL)
    started = time.monotonic()
    chat = browser_turn(webui, "Tell me about bees.", None)
    first = laas_calls(emulator, "Tell me about bees.", 4)
    timed("first browser turn (answer + 3 tasks)", started)
    assert sorted(kind(b) for b in first) == ["answer", "follow_ups", "tags", "title"]
    assert {b["hash"] for b in first} == {preset_hash(MODEL)}  # all on the chat's model
    for body in first:
        print(f"open-webui: {kind(body)} call, {len(text_of(body))} characters of messages")

    # The tasks' answers came back through the proxy, and Open WebUI used them.
    def stored() -> dict[str, Any]:
        return webui.call("GET", f"/api/v1/chats/{chat['id']}").json()

    wait_for("the title", lambda: stored()["title"] == "Bee facts")
    wait_for("the tags", lambda: stored()["meta"].get("tags") == ["science", "insects"])
    wait_for("the follow-ups", lambda: stored()["chat"]["history"]["messages"]["a1"].get(
        "followUps") == ["And wasps?"])  # fmt: skip

    script_tasks(emulator, MODEL)  # the follow-ups' answer (title and tags are not asked)
    browser_turn(webui, "And what do they eat?", {**stored()["chat"], "id": chat["id"]})
    later = laas_calls(emulator, "And what do they eat?", 2)
    assert sorted(kind(b) for b in later) == ["answer", "follow_ups"]


def test_tasks_on_a_cheaper_model_or_off(webui, emulator):
    script_tasks(emulator, CHEAP)
    old = set_tasks(webui, TASK_MODEL_EXTERNAL=CHEAP)
    try:
        browser_turn(webui, "Tell me about ants.", None)
        calls = laas_calls(emulator, "Tell me about ants.", 4)
        by_preset = {(kind(b), b["hash"]) for b in calls}
        assert by_preset == {("answer", preset_hash(MODEL)), ("title", preset_hash(CHEAP)),
                             ("tags", preset_hash(CHEAP)), ("follow_ups", preset_hash(CHEAP))}  # fmt: skip

        set_tasks(webui, ENABLE_TITLE_GENERATION=False, ENABLE_TAGS_GENERATION=False,
                  ENABLE_FOLLOW_UP_GENERATION=False)  # fmt: skip
        browser_turn(webui, "Tell me about moths.", None)
        (call,) = laas_calls(emulator, "Tell me about moths.", 1)
        assert kind(call) == "answer"
    finally:
        set_tasks(webui, **old)


def test_nothing_went_to_the_internet(webui):
    # Last in the file: every request above has been made by now.
    assert webui.sentinel.connections == 0
    assert "huggingface.co" not in webui.process.log()
