"""Every module the package imports is declared in pyproject.toml, by the part of the package
that imports it: the plugin's modules may use only `dependencies`; the proxy hooks (the
request guard and the non-chat refusal, which only run inside `litellm --config`) may also
use the `proxy` extra; the emulator (laas_provider/emulator/) may also use the `emulator` extra. And nothing declared goes unused,
except what is named below with the reason."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "laas_provider"
OWN = "laas_provider"
# Declared although no module imports them by name (checked: each is really needed).
INDIRECT = {
    # pypdf imports it lazily to decrypt AES PDFs; [crypto] is how pypdf asks for it.
    "cryptography": "pypdf[crypto]",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*groups: str) -> set[str]:
    """Distribution names the base dependencies plus these extras declare (extras included:
    `pypdf[crypto]` declares pypdf and cryptography)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for group in groups:
        lines += project["optional-dependencies"][group]
    names = set()
    for line in lines:
        requirement = Requirement(line)
        names.add(normalise(requirement.name))
        if requirement.name == "pypdf" and "crypto" in requirement.extras:
            names.add("cryptography")
    return names


def imports(path: Path) -> set[str]:
    """Top-level module names a file imports (absolute imports only; relative ones are ours)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {OWN, "__future__"}


@cache
def distributions_of(module: str) -> set[str]:
    found = importlib.metadata.packages_distributions().get(module)
    assert found, f"`import {module}`: no installed distribution provides it"
    return {normalise(d) for d in found}


def third_party_imports(files: list[Path]) -> dict[str, set[str]]:
    """module -> files (relative) importing it."""
    used: dict[str, set[str]] = {}
    for path in files:
        for module in imports(path):
            used.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return used


EMULATOR = sorted((PACKAGE / "emulator").rglob("*.py"))
HOOKS = [PACKAGE / "proxy" / "guard.py", PACKAGE / "proxy" / "non_chat.py"]
PLUGIN = sorted(p for p in PACKAGE.rglob("*.py") if p not in EMULATOR and p not in HOOKS)


@pytest.mark.parametrize(
    ("part", "files", "groups"),
    [
        ("plugin", PLUGIN, ()),
        ("proxy hooks", HOOKS, ("proxy",)),
        ("emulator", EMULATOR, ("emulator",)),
    ],
)
def test_every_import_is_declared(part, files, groups):
    allowed = declared(*groups)
    used = third_party_imports(files)
    assert used, f"no third-party import found in the {part}: the walk is broken"
    missing = {
        module: sorted(where)
        for module, where in used.items()
        if not distributions_of(module) & allowed
    }
    assert not missing, f"{part} imports undeclared modules (module: files): {missing}"


def test_the_plugin_does_not_import_the_emulators_dependencies():
    # fastapi and uvicorn arrive with litellm[proxy], but a plugin-only install lacks them.
    used = third_party_imports(PLUGIN)
    for module in ("fastapi", "uvicorn", "starlette"):
        assert module not in used, f"{module} imported by {sorted(used[module])}"


def test_nothing_declared_goes_unused():
    used = third_party_imports(PLUGIN + HOOKS + EMULATOR)
    provided = set().union(*(distributions_of(m) for m in used))
    unused = declared("emulator") - provided - set(INDIRECT)
    assert not unused, f"declared but never imported: {sorted(unused)}"


def test_the_walk_sees_what_a_module_imports(tmp_path):
    # The checks above can fail: an undeclared import is found, stdlib and own imports are not.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os, json\nimport yaml.loader\nfrom rich import print\n"
        "from . import sibling\nfrom laas_provider import errors\n"
        "def f():\n    import tomlkit\n"
    )
    assert imports(probe) == {"yaml", "rich", "tomlkit"}
    assert not distributions_of("yaml") & declared("emulator")  # pyyaml: a test-only dependency


def test_pdf_decryption_dependency_is_declared():
    # The undeclared dependency of issue 14: pypdf's AES support (tests/unit/test_pdf.py's
    # encrypted PDFs) needs cryptography, which only litellm[proxy] happened to bring.
    assert "cryptography" in declared()
