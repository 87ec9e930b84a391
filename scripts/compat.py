#!/usr/bin/env python3
"""The compatibility matrix: the unit suite and the core end-to-end tests against other LiteLLM
releases than the locked one (docs/compatibility.md).

For each version it builds a venv the way a user's deployment would look:

1. the hash-locked runtime lock (requirements.lock) and this package (editable, no deps);
2. ``litellm==VERSION`` over it, pip's "only if needed" strategy changing only what that release's
   own requirements force (e.g. ``openai<3`` for 1.106.x, ``semver`` for 1.110.x). Its ``[proxy]``
   extra is not re-resolved: for releases after 1.108.7 it pins packages the registry lacks;
3. ``pip check`` must be clean (every installed distribution's requirements met);
4. the test tools from requirements-dev.lock (hash-checked, no deps), skipping every package the
   steps above installed, so nothing of the deployment is replaced;

then runs ``pytest tests/unit`` plus the core e2e files, and the e2e tests matching ``-k tool``
(pytest's exit status 5, "nothing selected", counts as a pass for that selection only).

    python3 scripts/compat.py                 # the supported bounds (SUPPORTED below)
    python3 scripts/compat.py 1.108.0 --keep  # any release; --keep reuses an existing venv

Venvs live in .compat/ (git-ignored). Exit status 0 only if every version passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The oldest and newest releases the pyproject range admits; both must pass (see
# docs/compatibility.md). The locked 1.108.7 is tested by the main suite.
SUPPORTED = ("1.106.12", "1.110.2")
# What a release needs beyond its own requirements' resolution against the runtime lock.
# (None so far: `semver`, which 1.110.x imports, is in its metadata and resolved by pip.)
ADDITIONAL: dict[str, list[str]] = {}
CORE_E2E = [
    "tests/e2e/test_proxy_chat.py",  # chat, multi-turn, params, settings, refusals
    "tests/e2e/test_multimodal.py",  # images and PDFs end to end
    "tests/e2e/test_streaming_and_params.py",  # streaming, OpenAI parameters
    "tests/e2e/test_fault_matrix.py",  # upstream errors -> statuses, retries, fallbacks
]
PIP = ["-m", "pip", "--disable-pip-version-check", "--no-input"]


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(argv), flush=True)
    return subprocess.run(argv, cwd=ROOT, check=False, **kwargs)


def lock_blocks(lock: Path) -> dict[str, str]:
    """Normalised name -> its block (requirement line, hashes, comments) in a pip-compile lock."""
    blocks: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", lock.read_text()):
        match = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==", block)
        if match:
            blocks[normalise(match.group(1))] = block.rstrip() + "\n"
    return blocks


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), *PIP, "list", "--format=json"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return {normalise(p["name"]): p["version"] for p in json.loads(out)}


def deployment(venv: Path, version: str, plugin: bool = True) -> tuple[Path, list[str]]:
    """A LiteLLM deployment at `venv`: the runtime lock with litellm VERSION over it (and this
    package, editable, if `plugin`); `pip check` clean. Returns its python and what differs
    from the lock. tests/e2e/test_wheel.py installs the wheel into one made without the plugin."""
    python = venv / "bin" / "python"
    if venv.exists():
        shutil.rmtree(venv)
    run([sys.executable, "-m", "venv", str(venv)]).check_returncode()
    run([str(python), *PIP, "install", "--quiet", "--require-hashes", "--no-deps",
         "-r", str(ROOT / "requirements.lock")]).check_returncode()  # fmt: skip
    if plugin:
        run([str(python), *PIP, "install", "--quiet", "--no-deps", "--no-build-isolation",
             "--editable", str(ROOT)]).check_returncode()  # fmt: skip
    locked = installed(python)
    run([str(python), *PIP, "install", "--quiet", "--upgrade-strategy", "only-if-needed",
         f"litellm=={version}", *ADDITIONAL.get(version, [])]).check_returncode()  # fmt: skip
    now = installed(python)
    changed = sorted(
        f"{name} {locked.get(name, '-')} -> {now.get(name, '-')}"
        for name in set(locked) | set(now)
        if locked.get(name) != now.get(name)
    )
    check = run([str(python), *PIP, "check"], capture_output=True, text=True)
    print(check.stdout + check.stderr, flush=True)
    if check.returncode != 0:
        raise RuntimeError(f"litellm {version}: pip check is not clean:\n{check.stdout}")
    return python, changed


def build_venv(version: str, venv: Path) -> tuple[Path, list[str]]:
    """The deployment plus the test tools: every package of the dev lock it does not hold."""
    python, changed = deployment(venv, version)
    held = set(installed(python))
    tools = [b for n, b in lock_blocks(ROOT / "requirements-dev.lock").items() if n not in held]
    tools_file = venv / "test-tools.txt"
    tools_file.write_text("".join(tools))
    run([str(python), *PIP, "install", "--quiet", "--require-hashes", "--no-deps",
         "-r", str(tools_file)]).check_returncode()  # fmt: skip
    (venv / "changed.json").write_text(json.dumps(changed))
    return python, changed


def pytest_summary(output: str) -> str:
    lines = [ln for ln in output.strip().splitlines() if ln.strip()]
    return lines[-1].strip("= ") if lines else "(no output)"


def test(python: Path, version: str) -> dict:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    core = [
        *CORE_E2E,
        *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/e2e/test_*tool*.py")),
    ]
    base = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    main = run([*base, "tests/unit", *core], env=env, capture_output=True, text=True)
    print(main.stdout[-3000:] + main.stderr[-2000:], flush=True)
    ignore = [f"--ignore={f}" for f in core]
    tools = run(
        [*base, "tests/e2e", "-k", "tool", *ignore], env=env, capture_output=True, text=True
    )
    print(tools.stdout[-2000:] + tools.stderr[-1000:], flush=True)
    litellm = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return {
        "litellm": litellm,
        "main": pytest_summary(main.stdout),
        "tool": "nothing selected" if tools.returncode == 5 else pytest_summary(tools.stdout),
        "ok": litellm == version and main.returncode == 0 and tools.returncode in (0, 5),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", default=list(SUPPORTED))
    parser.add_argument("--keep", action="store_true", help="reuse a venv built before")
    args = parser.parse_args()
    results = []
    for version in args.versions:
        started = time.monotonic()
        venv = ROOT / ".compat" / f"litellm-{version}"
        if args.keep and (venv / "changed.json").exists():
            python, changed = (
                venv / "bin" / "python",
                json.loads((venv / "changed.json").read_text()),
            )
        else:
            python, changed = build_venv(version, venv)
        built = time.monotonic() - started
        result = test(python, version)
        result.update(
            changed=changed, build_s=round(built), total_s=round(time.monotonic() - started)
        )
        results.append(result)
        print(json.dumps(result, indent=1), flush=True)
    print("\ncompatibility matrix:")
    for r in results:
        print(f"  litellm {r['litellm']}: {'PASS' if r['ok'] else 'FAIL'} — unit + core e2e: {r['main']};"
              f" -k tool: {r['tool']}; venv {r['build_s']} s, total {r['total_s']} s")  # fmt: skip
        for line in r["changed"]:
            print(f"      {line}")
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
