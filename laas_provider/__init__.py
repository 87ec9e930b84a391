"""Wanted LaaS as a LiteLLM custom provider.

Register it in a LiteLLM proxy ``config.yaml``::

    litellm_settings:
      custom_provider_map:
        - {provider: laas, custom_handler: laas_provider.laas_provider}
      callbacks: [laas_provider.guard.request_guard]  # optional: checks request shapes
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"  # the only place; pyproject.toml and the wheel read it
__all__ = ["LaaSProvider", "LaaSSettings", "__version__", "laas_provider"]

if TYPE_CHECKING:
    from .handler import LaaSProvider
    from .settings import LaaSSettings

    laas_provider: LaaSProvider

_instance: Any = None


def __getattr__(name: str) -> Any:
    # Lazy, so `python -m laas_provider.emulator` starts without importing litellm (~2 s).
    global _instance
    if name == "laas_provider":
        if _instance is None:
            from .handler import LaaSProvider
            from .proxy import model_info, non_chat, refusal_log

            _instance = LaaSProvider()
            # In the proxy: non-chat calls on LaaS models get a 400 before routing.
            non_chat.install()
            # In the proxy: /model/info masks project_code and preset_hash like api_key.
            model_info.install()
            # In the proxy: a client's mistake is one log line, without a traceback.
            refusal_log.install()
        return _instance
    if name == "LaaSProvider":
        from .handler import LaaSProvider

        return LaaSProvider
    if name == "LaaSSettings":
        from .settings import LaaSSettings

        return LaaSSettings
    raise AttributeError(f"module 'laas_provider' has no attribute {name!r}")
