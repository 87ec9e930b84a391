"""The built wheel in someone else's LiteLLM deployment: `python -m build` makes the sdist and
wheel; the wheel goes into a fresh venv that already runs a different supported LiteLLM (the
newest, made by docs/install.md's recipe as scripts/compat.py does, the plugin taken out
again) without replacing it, `pip check` stays clean, and
`litellm --config` started from a directory outside the repository serves a chat and a PDF
through the installed plugin."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

import laas_provider
from tests.compat_script import compat
from tests.docker_files import instructions
from tests.media import data_url, pdf

from .harness import Emulator, Proxy, provider_map

ROOT = Path(__file__).resolve().parents[2]
EXTEND = ROOT / "docs" / "examples" / "Dockerfile.extend"
OTHER_LITELLM = compat.SUPPORTED[-1]  # the newest supported; the locks hold 1.108.7


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # No isolation: setuptools and wheel come from the hash-locked dev lock, not a download.
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (out / "build.log").write_text(result.stdout + result.stderr)
    return out


@pytest.fixture(scope="module")
def deployment(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv running litellm OTHER_LITELLM, made by docs/install.md's recipe (as compat.py
    does) with the plugin uninstalled again, and what it holds."""
    (wheel,) = dist.glob("*.whl")
    python, _ = compat.deployment(
        tmp_path_factory.mktemp("deploy"), OTHER_LITELLM, wheel, plugin=False
    )
    return python, compat.installed(python)


@pytest.fixture(scope="module")
def plan(dist: Path, deployment) -> dict:
    """What a plain `pip install <wheel>` would do there (pip's own resolver, dry run)."""
    python, _ = deployment
    (wheel,) = dist.glob("*.whl")
    result = subprocess.run(
        [str(python), *compat.PIP, "install", "--quiet", "--dry-run", "--report", "-", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def installed(dist: Path, deployment, plan, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The wheel installed by the RUN line of docs/examples/Dockerfile.extend, as written."""
    python, before = deployment
    (wheel,) = dist.glob("*.whl")
    (run_line,) = [i.args for i in instructions(EXTEND.read_text()) if i.keyword == "RUN"]
    (copy,) = [i.args.split() for i in instructions(EXTEND.read_text()) if i.keyword == "COPY"
               and i.args.endswith("/tmp/")]  # fmt: skip
    assert copy[0] == wheel.name, f"Dockerfile.extend copies {copy[0]}, the build made {wheel.name}"
    staged = tmp_path_factory.mktemp("image-tmp")
    shutil.copy(wheel, staged / wheel.name)
    command = run_line.replace(f"/tmp/{wheel.name}", str(staged / wheel.name))
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=env,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"laas_provider {laas_provider.__version__}" in result.stdout
    assert not (staged / wheel.name).exists()  # the recipe cleans up after itself
    return python, before


def test_version_is_single_sourced(dist: Path):
    version = laas_provider.__version__
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert wheel.name.startswith(f"laas_provider-{version}-py3-none-any")
    assert sdist.name == f"laas_provider-{version}.tar.gz"
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()


def test_wheel_metadata_declares_the_range_and_extras(dist: Path):
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(f"laas_provider-{laas_provider.__version__}.dist-info/METADATA").decode()
        names = zf.namelist()
    requires = [ln.split(": ", 1)[1] for ln in meta.splitlines() if ln.startswith("Requires-Dist")]
    (litellm,) = [r for r in requires if r.startswith("litellm") and "extra" not in r]
    assert "==" not in litellm and "1.107.0" in litellm, litellm
    assert {"Provides-Extra: proxy", "Provides-Extra: emulator"} <= set(meta.splitlines())
    assert "laas_provider/handler.py" in names and "laas_provider/emulator/app.py" in names
    assert not [n for n in names if n.startswith("tests/")]


def test_the_build_warns_of_nothing_deprecated(dist: Path):
    # A `license = {text = ...}` table warned that builds break from 2027-02-18 (PEP 639).
    log = (dist / "build.log").read_text()
    assert "Deprecat" not in log and "deprecated" not in log, log[-3000:]
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(f"laas_provider-{laas_provider.__version__}.dist-info/METADATA").decode()
        names = zf.namelist()
    assert "License-Expression: MIT" in meta.splitlines()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names


def test_sdist_builds_from_what_it_holds(dist: Path):
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "LICENSE", "laas_provider/__init__.py"} <= names


def test_plain_pip_install_would_add_only_the_plugin(plan):
    # Without the recipe's litellm guard too: the range admits the deployment's litellm.
    names = [item["metadata"]["name"] for item in plan["install"]]
    assert names == ["laas-provider"], names


def test_wheel_installs_over_another_litellm_without_replacing_it(installed):
    python, before = installed
    after = compat.installed(python)
    assert before["litellm"] == after["litellm"] == OTHER_LITELLM
    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    assert changed == {"laas-provider"}, changed
    assert after["laas-provider"] == laas_provider.__version__
    check = subprocess.run([str(python), *compat.PIP, "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_installed_console_scripts_run(installed, tmp_path):
    python, _ = installed
    bin_dir = python.parent
    for script in ("laas-check", "laas-emulator"):
        result = subprocess.run([str(bin_dir / script), "--help"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert result.returncode == 0 and "usage" in result.stdout.lower(), result.stderr


@pytest.fixture(scope="module")
def outside(installed, tmp_path_factory) -> Iterator[tuple[Proxy, Emulator]]:
    """The deployment's own `litellm --config`, started from a directory outside the repo."""
    python, _ = installed
    where = tmp_path_factory.mktemp("deployment-config")
    assert ROOT not in where.parents
    with Emulator(where) as emu:
        config = {
            "model_list": [
                {"model_name": "laas-chat", "litellm_params": {"model": "laas/laas-chat"}}
            ],
            "litellm_settings": provider_map(),
            "router_settings": {"num_retries": 0},
            "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
        }
        proxy = Proxy(config, emu.laas_env("echo"), where, name="wheel-proxy")
        proxy.argv[0] = str(python.parent / "litellm")
        proxy.cwd = where
        # Nothing of the repository on the path: the plugin must come from the wheel.
        proxy.env = {k: v for k, v in proxy.env.items() if k != "PYTHONPATH"}
        with proxy:
            yield proxy, emu


def test_the_plugin_is_loaded_from_the_installed_wheel(installed, outside):
    python, _ = installed
    proxy, _ = outside
    where = subprocess.run(
        [str(python), "-c", "import laas_provider, json; print(json.dumps(laas_provider.__file__))"],
        cwd=proxy.cwd, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert Path(json.loads(where)).is_relative_to(python.parent.parent), where
    assert str(ROOT) not in proxy.log()


def test_chat_and_pdf_through_the_wheel_in_another_litellm(outside):
    proxy, emu = outside
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=proxy.master_key, max_retries=0)
    reply = client.chat.completions.create(
        model="laas-chat", messages=[{"role": "user", "content": "Hello from the wheel"}]
    )
    assert "last user: Hello from the wheel" in reply.choices[0].message.content
    document = {"type": "file", "file": {"file_data": data_url("application/pdf", pdf(3)),
                                         "filename": "doc.pdf"}}  # fmt: skip
    reply = client.chat.completions.create(
        model="laas-chat",
        messages=[{"role": "user", "content": [{"type": "text", "text": "Summarise"}, document]}],
    )
    assert "received: 0 images, 1 documents, 3 pages" in reply.choices[0].message.content
    assert len(emu.received()) == 2
