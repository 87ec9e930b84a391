"""Which requests a LaaS deployment serves: the routing helpers the proxy hooks share."""

from __future__ import annotations

from typing import Any

import litellm


def laas_providers() -> frozenset[str]:
    """Provider names (``custom_provider_map``) whose handler is this package's."""
    from ..handler import LaaSProvider

    return frozenset(
        item["provider"]
        for item in litellm.custom_provider_map
        if isinstance(item.get("custom_handler"), LaaSProvider)
    )


def proxy_router() -> Any:
    try:
        from litellm.proxy import proxy_server
    except ImportError:  # not running inside the proxy
        return None
    return getattr(proxy_server, "llm_router", None)


def serves_laas(model: Any, team_id: str | None = None) -> bool:
    """Whether a request for ``model`` (a model group, alias or ``provider/name``) may be
    served by a LaaS deployment."""
    if not isinstance(model, str):
        return False
    providers = laas_providers()
    if not providers:
        return False
    router = proxy_router()
    targets: list[str] = [model]
    if router is not None:
        for deployment in router.get_model_list(model_name=model, team_id=team_id) or ():
            params = deployment.get("litellm_params") or {}
            targets.append(str(params.get("model") or ""))
            if params.get("custom_llm_provider") in providers:
                return True
    return any(t.split("/", 1)[0] in providers for t in targets if "/" in t)
