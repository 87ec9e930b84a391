"""Wanted LaaS as a LiteLLM custom provider.

Register it in a LiteLLM proxy ``config.yaml``::

    litellm_settings:
      custom_provider_map:
        - {provider: laas, custom_handler: laas_provider.laas_provider}
"""

from .handler import LaaSProvider
from .settings import LaaSSettings

__version__ = "0.1.0"

laas_provider = LaaSProvider()
"""The handler instance ``custom_provider_map`` points at."""

__all__ = ["LaaSProvider", "LaaSSettings", "__version__", "laas_provider"]
