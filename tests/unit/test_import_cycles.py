"""No import cycle in the package, counting every import a reader sees: module-level,
function-level and ``TYPE_CHECKING`` ones, relative ones resolved. The walk covers every
module under laas_provider/, so a module added later is checked too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "laas_provider"


def modules(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (``__init__`` as the package)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The package's modules that ``name`` imports anywhere in its file."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{source}.{alias.name}" in known:  # `from . import errors`: the module
                    yield f"{source}.{alias.name}"
                elif source in known:  # `from .settings import resolve`: its module
                    yield source


def graph(package: Path) -> dict[str, set[str]]:
    known = modules(package)
    return {name: set(imported(name, path, known)) - {name} for name, path in known.items()}


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in edges[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The knots: groups of two or more modules that each import the others, by any path."""
    reach = {name: reachable(edges, name) for name in edges}
    knots = {
        frozenset({name} | {other for other in reach[name] if name in reach[other]})
        for name in edges
        if name in reach[name]
    }
    return sorted(sorted(knot) for knot in knots)


def test_the_package_has_no_import_cycle():
    edges = graph(PACKAGE)
    assert len(edges) > 50, "the walk found too few modules: it is broken"
    found = cycles(edges)
    assert not found, "import cycles (function-level imports counted):\n" + "\n".join(
        f"{len(knot)} modules: {', '.join(knot)}" for knot in found
    )


def test_the_walk_finds_a_cycle_made_by_a_function_level_relative_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("")
    (package / "top.py").write_text("from .low.mask import hide\nimport pkg.other\n")
    (package / "other.py").write_text("import json\n")
    (package / "low" / "mask.py").write_text(
        "def hide():\n    from ..top import thing  # only inside a function\n"
    )
    edges = graph(package)
    assert edges["pkg.top"] == {"pkg.low.mask", "pkg.other"}
    assert cycles(edges) == [["pkg.low.mask", "pkg.top"]]
    (package / "low" / "mask.py").write_text("def hide():\n    from .. import other\n")
    assert cycles(graph(package)) == []


def test_the_masker_imports_nothing_above_the_deployment_table():
    # Whoever knows a secret hands it to logs.redact (the handler, settings), not the reverse.
    assert graph(PACKAGE)["laas_provider.logs.redact"] <= {"laas_provider.deployment"}
