"""The README's examples, run as written against the shipped config.yaml on the emulator
(only the address and key are swapped for the test proxy's)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import pdf

from .gateway import shipped_config, shipped_env
from .harness import Proxy

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
PYTHON = re.findall(r"```python\n(.*?)```", README, re.S)
CURL = [b for b in re.findall(r"```bash\n(.*?)```", README, re.S) if b.startswith("curl ")]


@pytest.fixture(scope="module")
def readme_proxy(emulator, log_dir):
    with Proxy(shipped_config(), shipped_env(emulator), log_dir, name="proxy-readme") as server:
        yield server


def localise(code: str, proxy: Proxy) -> str:
    return code.replace("http://127.0.0.1:4000", proxy.url).replace(
        "sk-laas-local", proxy.master_key
    )


def test_readme_has_examples():
    assert len(PYTHON) >= 2 and CURL


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_python_example_runs(readme_proxy, tmp_path, index):
    (tmp_path / "report.pdf").write_bytes(pdf(3))
    done = subprocess.run([sys.executable, "-c", localise(PYTHON[index], readme_proxy)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The emulator's answer: an echo, or the agent example's text quoting its tool's result.
    assert "[laas-emulator]" in done.stdout or "The tool answered: Sunny in Seoul" in done.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_example_runs(readme_proxy):
    done = subprocess.run(
        ["bash", "-c", localise(CURL[0], readme_proxy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert '"choices"' in done.stdout and "[laas-emulator]" in done.stdout
