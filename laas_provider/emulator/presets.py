"""The emulator's presets: a system prompt with ``{variable}`` placeholders, and a model name.

Hashes are derived from the names (64 hex characters, like LaaS's), so no hash is written
anywhere and tests can compute them: ``preset_hash("echo")``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_VARIABLE = re.compile(r"\{([^{}\s]+)\}")


def preset_hash(name: str) -> str:
    return hashlib.sha256(f"laas-emulator:{name}".encode()).hexdigest()


@dataclass(frozen=True)
class Preset:
    name: str
    system: str
    model: str = "laas-emulator-1"
    # Follows the plugin's JSON tool protocol when asked (see agent.py); others just echo.
    agent: bool = False

    @property
    def hash(self) -> str:
        return preset_hash(self.name)

    @property
    def variables(self) -> list[str]:
        return _VARIABLE.findall(self.system)

    def fill(self, params: dict[str, str]) -> str:
        # As LaaS does: a variable the call does not send becomes an empty string.
        return _VARIABLE.sub(lambda m: params.get(m.group(1), ""), self.system)


# config.yaml's models. Each gets an emulator preset of the same name, so scripts/serve.py
# can give each model its own preset and answers show which model served a call.
CONFIG_MODELS = ("claude-3.5-sonnet", "claude-3.7-sonnet", "claude-4-sonnet")


def preset_env(model: str) -> str:
    """The variable config.yaml reads a model's preset hash from: LAAS_PRESET_HASH_CLAUDE_4_SONNET."""
    return "LAAS_PRESET_HASH_" + model.upper().replace("-", "_").replace(".", "_")


PRESETS = (
    Preset("echo", "You are a helpful assistant."),
    Preset("translator", "Translate the user's text into {language}. Tone: {tone}."),
    Preset("qa", "Answer the question: {question}"),
    Preset("agent", "You are a helpful agent. Use the tools you are given.", agent=True),
    *(
        Preset(m, f"You are {m} on Wanted LaaS (emulated).", model=m, agent=True)
        for m in CONFIG_MODELS
    ),
)
DEFAULT_PRESET = "echo"
