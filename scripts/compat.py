#!/usr/bin/env python3
"""The compatibility matrix: the unit suite and the core end-to-end tests against other LiteLLM
releases than the locked one (docs/compatibility.md).

For each version it builds a LiteLLM deployment with docs/install.md's new-proxy recipe, the
bash block after its ``<!-- recipe: ... -->`` comment, run as written (only its ``LITELLM=``
line set to the version) in a working directory holding ``requirements.lock`` and
``dist/<this checkout's wheel>``, as a user's checkout does:

1. the hash-locked runtime lock (requirements.lock) and the plugin's wheel (no deps);
2. ``litellm==VERSION`` over it, pip's "only if needed" strategy changing only what that
   release's own requirements force (e.g. ``openai<3`` for 1.106.x);
3. what that release's ``[proxy]`` extra names and the venv lacks (e.g. ``semver`` for 1.110.x),
   without replacing anything. ``litellm[proxy]`` itself is not resolved: after 1.108.7 it pins
   packages the registry lacks (``litellm-proxy``, newer ``litellm-proxy-extras`` and
   ``litellm-enterprise``); the proxy runs without them, and this script reports such gaps;
4. ``pip check`` must be clean (every installed distribution's requirements met);

then, outside the recipe, the test tools from requirements-dev.lock (hash-checked, no deps),
skipping every package the recipe installed, so nothing of the deployment is replaced; and
runs ``pytest tests/unit`` plus the core e2e files, and the e2e tests matching ``-k tool``
(pytest's exit status 5, "nothing selected", counts as a pass for that selection only).

    python3 scripts/compat.py                 # the supported bounds (SUPPORTED below)
    python3 scripts/compat.py 1.108.0 --keep  # any release; --keep reuses an existing venv

Each version's working directory (recipe.sh as run, recipe.log, the venv litellm-venv/) lives
in .compat/ (git-ignored), the wheel in .compat/dist/. Exit status 0 only if every version
passed.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_DOC = ROOT / "docs" / "install.md"
# The oldest and newest releases the pyproject range admits; both must pass (see
# docs/compatibility.md). The locked 1.108.7 is tested by the main suite.
SUPPORTED = ("1.106.0", "1.110.2")
# Run in the venv: litellm's [proxy] requirements as (requirement, installed version or None).
PROXY_EXTRA = """
import importlib.metadata as m, json
from packaging.requirements import Requirement
out = []
for line in m.requires("litellm") or []:
    r = Requirement(line)
    if r.marker and r.marker.evaluate({"extra": "proxy"}) and not r.marker.evaluate({"extra": ""}):
        try:
            have = m.version(r.name)
        except m.PackageNotFoundError:
            have = None
        out.append((str(r.name), str(r.specifier), have, have is not None and r.specifier.contains(have, prereleases=True)))
print(json.dumps(out))
"""
CORE_E2E = [
    "tests/e2e/test_proxy_chat.py",  # chat, multi-turn, params, settings, refusals
    "tests/e2e/test_multimodal.py",  # images and PDFs end to end
    "tests/e2e/test_media_adaptation.py",  # adapted images and text files, every front door
    "tests/e2e/test_streaming_and_params.py",  # streaming, OpenAI parameters
    "tests/e2e/test_fault_matrix.py",  # upstream errors -> statuses, retries, fallbacks
    "tests/e2e/test_client_mistakes.py",  # a wrong proxy key; a 400 and the fallbacks
    "tests/e2e/test_agents.py",  # tool emulation and structured outputs, every front door
    "tests/e2e/test_install_recipe_config.py",  # docs/install.md's config block, as written
]
PIP = ["-m", "pip", "--disable-pip-version-check", "--no-input"]
# In a fresh venv but not in the lock; the plugin comes from the recipe's wheel.
NOT_LOCKED = {"pip", "laas-provider"}


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(argv), flush=True)
    kwargs.setdefault("cwd", ROOT)
    return subprocess.run(argv, check=False, **kwargs)


def doc_block(mark: str, doc: Path = INSTALL_DOC) -> str:
    """The fenced block right after the ``<!-- MARK: ... -->`` comment in `doc`, as written."""
    found = re.findall(rf"^<!-- {re.escape(mark)}:[^\n]*-->\n```\w*\n(.*?)^```", doc.read_text(),
                       re.S | re.M)  # fmt: skip
    if len(found) != 1:
        raise RuntimeError(f"{doc.name}: {len(found)} blocks marked <!-- {mark}: ... -->, not 1")
    return found[0]


def recipe(version: str) -> str:
    """docs/install.md's new-proxy recipe with its one ``LITELLM=`` line set to `version`."""
    text, n = re.subn(r"^LITELLM=\S+$", f"LITELLM={version}", doc_block("recipe"), flags=re.M)
    if n != 1:
        raise RuntimeError(f"install.md's recipe has {n} LITELLM= lines, not 1")
    return text


def build_wheel(out: Path) -> Path:
    """This checkout's wheel in `out` (no build isolation: setuptools comes from the locks).
    Built from a copy of what the wheel is made of: setuptools' build/ in the checkout may hold
    modules deleted since, and another build there at the same time breaks this one."""
    shutil.rmtree(out, ignore_errors=True)
    source = out / "source"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "laas_provider", source / "laas_provider",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    result = run([sys.executable, *PIP, "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                  "--wheel-dir", str(out), str(source)], capture_output=True, text=True)  # fmt: skip
    shutil.rmtree(source)
    if result.returncode != 0:
        raise RuntimeError(f"wheel build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    (wheel,) = out.glob("laas_provider-*.whl")
    return wheel


def run_recipe(where: Path, version: str, wheel: Path) -> subprocess.CompletedProcess:
    """The recipe for `version` run in `where` (made afresh: requirements.lock and
    dist/<wheel> linked in), with bash -euxo pipefail; its output in where/recipe.log."""
    if where.exists():
        shutil.rmtree(where)
    (where / "dist").mkdir(parents=True)
    (where / "requirements.lock").symlink_to(ROOT / "requirements.lock")
    (where / "dist" / wheel.name).symlink_to(wheel.resolve())
    (where / "recipe.sh").write_text(recipe(version))
    # `python3` is the interpreter running this script (the test tools' lock is made for it).
    path = os.pathsep.join([str(Path(sys.executable).parent), *os.get_exec_path()])
    env = dict(os.environ, PATH=path)
    with (where / "recipe.log").open("w") as log:
        return run(["bash", "-euxo", "pipefail", "recipe.sh"], cwd=where, env=env, stdout=log,
                   stderr=subprocess.STDOUT)  # fmt: skip


def pip(python: Path, *args: str) -> None:
    """A pip command in the venv; its output (this machine's pip config is chatty) only if it fails."""
    result = run([str(python), *PIP, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"pip {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def proxy_extra(python: Path) -> list[tuple[str, str, str | None, bool]]:
    """litellm's [proxy] requirements in the venv: (name, specifier, installed version, met)."""
    out = subprocess.run([str(python), "-c", PROXY_EXTRA], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    return [tuple(row) for row in json.loads(out)]


def lock_blocks(lock: Path) -> dict[str, str]:
    """Normalised name -> its block (requirement line, hashes, comments) in a pip-compile lock."""
    blocks: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", lock.read_text()):
        match = re.match(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==", block)
        if match:
            blocks[normalise(match.group(1))] = block.rstrip() + "\n"
    return blocks


def lock_pins(lock: Path) -> dict[str, str]:
    """Normalised name -> the version a pip-compile lock pins."""
    return {n: re.search(r"==([^\s;\\]+)", b).group(1) for n, b in lock_blocks(lock).items()}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(python: Path) -> dict[str, str]:
    out = subprocess.run([str(python), *PIP, "list", "--format=json"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return {normalise(p["name"]): p["version"] for p in json.loads(out)}


def deployment(where: Path, version: str, wheel: Path, plugin: bool = True
               ) -> tuple[Path, list[str]]:  # fmt: skip
    """A LiteLLM deployment made by install.md's recipe in `where` (the venv:
    where/litellm-venv), with `wheel` as the plugin (uninstalled again unless `plugin`);
    `pip check` clean. Returns its python and what differs from the lock.
    tests/e2e/test_wheel.py installs the wheel its own way into one made without the plugin."""
    python = where / "litellm-venv" / "bin" / "python"
    result = run_recipe(where, version, wheel)
    log = (where / "recipe.log").read_text(errors="replace")
    # bash -x traces each command as "+ ..."; the last one traced is the one that failed.
    last = ([ln for ln in log.splitlines() if ln.startswith("+ ")] or [""])[-1]
    if result.returncode != 0 and last != "+ litellm-venv/bin/pip check":
        raise RuntimeError(f"litellm {version}: the recipe failed at {last!r}:\n{log[-3000:]}")
    locked = lock_pins(ROOT / "requirements.lock")
    now = {n: v for n, v in installed(python).items() if n not in NOT_LOCKED}
    changed = sorted(
        f"{name} {locked.get(name, '-')} -> {now.get(name, '-')}"
        for name in set(locked) | set(now)
        if locked.get(name) != now.get(name)
    )
    # What still differs from the [proxy] extra's list, for docs/compatibility.md.
    changed += sorted(
        f"[proxy] extra wants {name}{spec}, not met (have {have or 'none'})"
        for name, spec, have, ok in proxy_extra(python)
        if not ok
    )
    check = run([str(python), *PIP, "check"], capture_output=True, text=True)
    print(check.stdout + check.stderr, flush=True)
    # Trying a release outside the declared range (before widening it): the plugin's own
    # litellm requirement is then unmet (the recipe's last line fails), and only that is let
    # through, and reported.
    problems = [ln for ln in check.stdout.splitlines() if ln.strip() and "No broken" not in ln]
    outside = [ln for ln in problems if re.match(r"laas-provider \S+ has requirement litellm", ln)]
    if outside:
        changed.append(f"outside the declared range: {outside[0]}")
    if set(problems) - set(outside) or (check.returncode != 0 and not outside):
        raise RuntimeError(f"litellm {version}: pip check is not clean:\n{check.stdout}")
    if not plugin:
        pip(python, "uninstall", "--yes", "laas-provider")
    return python, changed


def build_venv(version: str, where: Path, wheel: Path) -> tuple[Path, list[str]]:
    """The deployment plus the test tools: every package of the dev lock it does not hold."""
    python, changed = deployment(where, version, wheel)
    held = set(installed(python))
    tools = [b for n, b in lock_blocks(ROOT / "requirements-dev.lock").items() if n not in held]
    tools_file = where / "test-tools.txt"
    tools_file.write_text("".join(tools))
    pip(python, "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(tools_file))
    (where / "changed.json").write_text(json.dumps(changed))
    return python, changed


def counts(output: str) -> tuple[int, int]:
    """(passed, failed + errors) from pytest's closing line."""
    lines = [ln for ln in output.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    found = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?)", last)}
    return found.get("passed", 0), found.get("failed", 0) + found.get("error", 0) + found.get(
        "errors", 0
    )


def test(python: Path, version: str) -> dict:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    core = [
        *CORE_E2E,
        *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/e2e/test_*tool*.py")),
    ]
    base = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    # Tool tests outside the core files (exit status 5: none selected). First, so that the last
    # pytest line printed is the main run's.
    ignore = [f"--ignore={f}" for f in core]
    tools = run([*base, "tests/e2e", "-k", "tool", *ignore], env=env, capture_output=True,
                text=True)  # fmt: skip
    print(tools.stdout[-2000:] + tools.stderr[-1000:], flush=True)
    main = run([*base, "tests/unit", *core], env=env, capture_output=True, text=True)
    print(main.stdout[-3000:] + main.stderr[-2000:], flush=True)
    litellm = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    main_passed, main_failed = counts(main.stdout)
    tool_passed, tool_failed = (0, 0) if tools.returncode == 5 else counts(tools.stdout)
    ok = litellm == version and main.returncode == 0 and tools.returncode in (0, 5)
    return {
        "litellm": litellm,
        "main": f"{main_passed} passed, {main_failed} failed",
        "tool": "none selected"
        if tools.returncode == 5
        else f"{tool_passed} passed, {tool_failed} failed",
        "passed": main_passed + tool_passed,
        "failed": main_failed + tool_failed + (0 if ok or main_failed + tool_failed else 1),
        "ok": ok,
    }


def prepare(version: str, wheel: Path, keep: bool) -> tuple[Path | None, list[str], float, str]:
    """(python, changed, seconds, error) for one version's deployment."""
    started = time.monotonic()
    where = ROOT / ".compat" / f"litellm-{version}"
    try:
        if keep and (where / "changed.json").exists():
            python = where / "litellm-venv" / "bin" / "python"
            changed = json.loads((where / "changed.json").read_text())
            # The proxy imports the installed plugin: this checkout's, not the one built before.
            pip(python, "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel))
        else:
            python, changed = build_venv(version, where, wheel)
    except RuntimeError as exc:  # not installable: the recipe failed, or pip check not clean
        print(exc, flush=True)
        return None, [], time.monotonic() - started, str(exc).splitlines()[0]
    return python, changed, time.monotonic() - started, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", default=list(SUPPORTED))
    parser.add_argument("--keep", action="store_true", help="reuse a venv built before")
    args = parser.parse_args()
    started = time.monotonic()
    wheel = build_wheel(ROOT / ".compat" / "dist")
    # The venvs are built side by side (pip waits on unpacking and the disk more than on CPU);
    # the tests then run one version at a time, as they start servers and time their answers.
    with ThreadPoolExecutor(max_workers=2) as pool:
        venvs = list(pool.map(lambda v: prepare(v, wheel, args.keep), args.versions))
    built = time.monotonic() - started
    results = []
    for version, (python, changed, build_s, error) in zip(args.versions, venvs, strict=True):
        if python is None:
            results.append({"litellm": version, "ok": False, "passed": 0, "failed": 1,
                            "main": f"not installable: {error}", "tool": "-", "changed": [],
                            "build_s": round(build_s), "test_s": 0})  # fmt: skip
            continue
        tested = time.monotonic()
        result = test(python, version)
        result.update(changed=changed, build_s=round(build_s),
                      test_s=round(time.monotonic() - tested))  # fmt: skip
        results.append(result)
    print("\ncompatibility matrix (unit suite + core e2e; -k tool):")
    for r in results:
        print(f"  litellm {r['litellm']}: {'PASS' if r['ok'] else 'FAIL'}: {r['main']}; "
              f"-k tool: {r['tool']}; venv {r['build_s']} s, tests {r['test_s']} s")  # fmt: skip
        for line in r["changed"]:
            print(f"      changed from the lock: {line}")
    print(
        f"  venvs built in {built:.0f} s (in parallel); whole matrix {time.monotonic() - started:.0f} s"
    )
    passed = sum(r["passed"] for r in results)
    failed = sum(r["failed"] for r in results)
    print(f"compat: {passed} passed, {failed} failed")
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
