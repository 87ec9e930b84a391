"""Keep LaaS secrets out of the proxy's model listings (/model/info, /v2/model/info, ...).

LiteLLM drops ``api_key`` from a deployment before showing it and masks keys named like
secrets (``*_key``, ``*_token``, ...), but ``project_code`` and ``preset_hash`` are plugin keys
it does not know: it would show them in clear to every key holder. Every listing goes through
``remove_sensitive_info_from_deployment``; this wraps it to mask those two as well.
"""

from __future__ import annotations

import sys
from typing import Any

from ..deployment import PLUGIN_SECRETS
from ..logs.redact import MASK

_MODULES = ("litellm.proxy.common_utils.openai_endpoint_utils", "litellm.proxy.proxy_server")


def mask_params(deployment: Any) -> Any:
    """The deployment dict with its LaaS secrets masked (only where set). The params dict is
    replaced, not edited, in case a caller passed the router's own."""
    params = deployment.get("litellm_params") if isinstance(deployment, dict) else None
    if isinstance(params, dict) and any(params.get(name) for name in PLUGIN_SECRETS):
        deployment["litellm_params"] = {
            **params,
            **{name: MASK for name in PLUGIN_SECRETS if params.get(name)},
        }
    return deployment


def _wrap(original: Any) -> Any:
    if getattr(original, "_laas_masks", False):
        return original

    def remove_sensitive_info_from_deployment(deployment_dict: dict, *args: Any, **kwargs: Any):
        return original(mask_params(deployment_dict), *args, **kwargs)

    remove_sensitive_info_from_deployment._laas_masks = True  # type: ignore[attr-defined]
    return remove_sensitive_info_from_deployment


def install() -> None:
    """In the proxy only (its modules already loaded): wrap the masking function where the
    listing endpoints look it up. Idempotent."""
    for name in _MODULES:
        module = sys.modules.get(name)
        original = getattr(module, "remove_sensitive_info_from_deployment", None)
        if original is not None:
            module.remove_sensitive_info_from_deployment = _wrap(original)
