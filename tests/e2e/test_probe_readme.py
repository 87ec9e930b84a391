"""README's recipe for running `laas-check --probe` against the emulator, run as written
(with a free port and this venv's scripts)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_probe_against_the_emulator_recipe_runs(tmp_path):
    (block,) = [b for b in re.findall(r"```bash\n(.*?)```", README, re.S) if "--print-env" in b]
    port = str(free_port())
    script = block.replace("8910", port).replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    script = script.replace("/tmp/probe", str(tmp_path / "probe"))
    # The recipe leaves the emulator running in the background: stop it when done.
    script = "set -e\n" + script.replace(" &", " & emu=$!; trap 'kill $emu' EXIT; sleep 3", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAAS_")}
    done = subprocess.run(["bash", "-c", script], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 disagree" in done.stdout
    assert list((tmp_path / "probe").glob("laas-probe-*.md"))
