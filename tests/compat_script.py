"""scripts/compat.py as a module (scripts/ is not a package): the tests that check the
install recipe and the wheel use its recipe, doc-block and deployment code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "compat", Path(__file__).resolve().parents[1] / "scripts" / "compat.py"
)
compat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compat)
