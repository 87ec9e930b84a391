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


def litellm_requirements() -> list[Requirement]:
    return [r for r in project_requirements() if r.name == "litellm"]


def pinned_litellm() -> str:
    """The exact litellm the locks hold, from requirements/pins.txt (uv's constraints)."""
    (line,) = [
        ln for ln in (ROOT / "requirements" / "pins.txt").read_text().splitlines()
        if ln.startswith("litellm")
    ]  # fmt: skip
    (pin,) = Requirement(line).specifier
    assert pin.operator == "==", line
    return pin.version


def test_litellm_range_admits_no_trojaned_release():
    requirements = litellm_requirements()
    assert requirements
    for litellm in requirements:
        for bad in TROJANED:
            assert not litellm.specifier.contains(Version(bad), prereleases=True), (litellm, bad)
        # A floor above the trojaned 1.82.x: no resolver can walk back to them.
        floors = [Version(s.version) for s in litellm.specifier if s.operator in (">=", ">")]
        assert floors and min(floors) > Version("1.82.8"), litellm


def test_litellm_range_is_the_tested_one_everywhere():
    """Every litellm requirement (base and `proxy` extra) has the same range, bounded by the
    oldest and newest releases the compatibility matrix (scripts/compat.py) runs."""
    compat = (ROOT / "scripts" / "compat.py").read_text()
    oldest, newest = re.search(r'SUPPORTED = \("([\d.]+)", "([\d.]+)"\)', compat).groups()
    specifiers = {str(r.specifier) for r in litellm_requirements()}
    assert len(specifiers) == 1, specifiers
    (litellm,) = {r.specifier for r in litellm_requirements()}
    bounds = {s.operator: s.version for s in litellm}
    assert bounds[">="] == oldest and bounds["<="] == newest, (bounds, oldest, newest)
    assert "==" not in bounds and "~=" not in bounds
    # The range as written in pyproject.toml is the one README and docs/compatibility.md give.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (written,) = [r for r in project["dependencies"] if r.startswith("litellm")]
    for doc in ("README.md", "docs/compatibility.md", "docs/install.md"):
        assert written in (ROOT / doc).read_text(), f"{doc} does not give the range {written}"


def test_the_plugin_itself_does_not_require_the_proxy_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = [Requirement(r) for r in project["dependencies"]]
    (litellm,) = [r for r in base if r.name == "litellm"]
    assert not litellm.extras, "users of the SDK or of their own proxy install must not get [proxy]"
    proxy = [Requirement(r) for r in project["optional-dependencies"]["proxy"]]
    assert any(r.name == "litellm" and "proxy" in r.extras for r in proxy)


@pytest.mark.parametrize("lock", LOCKS)
def test_locks_pin_the_one_litellm_whose_proxy_extra_resolves(lock):
    assert pinned_litellm() == "1.108.7"
    assert locked(lock)["litellm"][0] == pinned_litellm()
    (litellm,) = {r.specifier for r in litellm_requirements()}
    assert litellm.contains(Version(pinned_litellm()))


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
def test_lock_holds_no_trojaned_litellm_and_matches_the_range(lock):
    version, _ = locked(lock)["litellm"]
    assert version not in TROJANED
    for litellm in litellm_requirements():
        assert litellm.specifier.contains(Version(version))


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_satisfies_every_declared_requirement(lock):
    """The runtime lock holds the package with its `proxy` and `emulator` extras (what the
    image and serve.sh run); the dev lock adds `dev` (scripts/lock.sh)."""
    entries = locked(lock)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    groups = ["proxy", "emulator"] + ([] if lock == "requirements.lock" else ["dev"])
    assert set(extras) == {"proxy", "emulator", "dev"}, "lock a new extra in scripts/lock.sh"
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for group in groups for r in extras[group]]
    for requirement in wanted:
        name = requirement.name.lower()
        assert name in entries, f"{name} missing from {lock}"
        assert requirement.specifier.contains(Version(entries[name][0]), prereleases=True), name
        for extra in requirement.extras:  # e.g. pypdf[crypto] -> cryptography
            assert extra != "crypto" or "cryptography" in entries, f"{requirement} not locked"


@pytest.mark.parametrize("installer", ["scripts/bootstrap.sh", "Dockerfile"])
def test_installs_use_the_hash_locked_file(installer):
    text = (ROOT / installer).read_text()
    assert "--require-hashes" in text
    assert re.search(r"requirements(-dev)?\.lock", text)
