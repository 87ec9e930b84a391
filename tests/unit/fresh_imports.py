"""What importing some modules pulls in, seen from a fresh interpreter (this one has loaded
everything already)."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_by(modules: tuple[str, ...], watched: tuple[str, ...]) -> list[str]:
    """The ``watched`` modules present after importing ``modules`` in a new interpreter."""
    code = (
        f"import sys, json; import {', '.join(modules)}; "
        f"print(json.dumps(sorted(m for m in {list(watched)!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)
