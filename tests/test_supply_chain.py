"""Supply chain: every install is hash-locked, and no constraint can admit a trojaned litellm."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# litellm releases published with a credential stealer (March 2026) or pulled for the same reason.
TROJANED = ("1.82.7", "1.82.8", "1.107.0")
LOCKS = ("requirements.lock", "requirements-dev.lock")


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project.get("optional-dependencies", {}).values() for r in group]
    return [Requirement(r) for r in project["dependencies"] + extras]


def locked(lock: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) from a pip-compile style lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = (ROOT / lock).read_text()
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\],]+)==(\S+)", block)
        if match:
            name = re.sub(r"\[.*\]", "", match.group(1)).lower()
            entries[name] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


def test_litellm_constraint_is_an_exact_pin_that_admits_no_trojaned_release():
    (litellm,) = [r for r in project_requirements() if r.name == "litellm"]
    assert str(litellm.specifier).startswith("=="), "litellm must be pinned exactly"
    for bad in TROJANED:
        assert not litellm.specifier.contains(Version(bad), prereleases=True), bad


@pytest.mark.parametrize("lock", [*LOCKS, "requirements-db.lock"])
def test_every_locked_package_is_pinned_with_hashes(lock):
    entries = locked(lock)
    assert entries
    for name, (version, hashes) in entries.items():
        assert hashes, f"{name}=={version} has no hash in {lock}"
    lines = [
        ln for ln in (ROOT / lock).read_text().splitlines() if ln and not ln.startswith((" ", "#"))
    ]
    assert all("==" in ln for ln in lines), [ln for ln in lines if "==" not in ln]


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_holds_no_trojaned_litellm_and_matches_the_pin(lock):
    version, _ = locked(lock)["litellm"]
    assert version not in TROJANED
    (litellm,) = [r for r in project_requirements() if r.name == "litellm"]
    assert litellm.specifier.contains(Version(version))


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_satisfies_every_declared_requirement(lock):
    entries = locked(lock)
    runtime_only = lock == "requirements.lock"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    if not runtime_only:
        wanted += [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    for requirement in wanted:
        name = requirement.name.lower()
        assert name in entries, f"{name} missing from {lock}"
        assert requirement.specifier.contains(Version(entries[name][0]), prereleases=True), name


@pytest.mark.parametrize("installer", ["scripts/bootstrap.sh", "Dockerfile"])
def test_installs_use_the_hash_locked_file(installer):
    text = (ROOT / installer).read_text()
    assert "--require-hashes" in text
    assert re.search(r"requirements(-dev)?\.lock", text)
