"""A local LaaS emulator for tests and demos (see docs/emulator.md)."""

from .app import create_app
from .presets import PRESETS, Preset, preset_hash

__all__ = ["PRESETS", "Preset", "create_app", "preset_hash"]
