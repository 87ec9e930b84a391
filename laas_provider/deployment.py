"""The deployment keys the plugin reads: one table, every key list derived from it.

Pure data (no I/O, no imports of the package), so the transform, the settings, the log
redaction, the proxy hooks and the CLI can all read it. Adding a key here is enough for it
to be consumed (never forwarded to LaaS), refused from clients when administrator-only,
read from its ``LAAS_*`` variable, and masked in logs, errors and listings when secret.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One ``litellm_params`` key of a LaaS deployment."""

    name: str
    # Set by the deployment's administrator only: a request that sets it is refused (LiteLLM
    # merges a request's keys into the same optional_params and the request would win).
    admin: bool = True
    # A value that must never reach a log line, an error message or a model listing.
    secret: bool = False
    # Needed for a call: a missing one is refused before any upstream call.
    required: bool = False
    # The process environment variable (or ``.env`` entry) it falls back to.
    env: str | None = None
    # LiteLLM's own key, handed to the handler as an argument (and masked by LiteLLM itself
    # in its listings), not found among the plugin's optional_params.
    litellm: bool = False
    # What a deployment with ``allow_client_preset: true`` lets its clients choose.
    client_preset: bool = False
    # config.yaml gives each model its own variable, ``<env>_<MODEL>``, with ``env`` as the
    # fallback: all of them are masked like ``env`` itself.
    per_model: bool = False


KEYS: tuple[Key, ...] = (
    Key("api_base", env="LAAS_API_BASE", litellm=True),
    Key("base_url", litellm=True),  # LiteLLM's other name for api_base
    Key("api_key", secret=True, required=True, env="LAAS_API_KEY", litellm=True),
    Key("project_code", secret=True, required=True, env="LAAS_PROJECT_CODE", client_preset=True),
    Key(
        "preset_hash",
        secret=True,
        required=True,
        env="LAAS_PRESET_HASH",
        client_preset=True,
        per_model=True,
    ),
    Key("laas_timeout", env="LAAS_TIMEOUT"),
    # Deployment defaults for preset variables (`params` itself is reserved by LiteLLM's
    # router on deployments).
    Key("preset_params"),
    Key("allow_client_preset"),
    Key("tool_emulation"),
    Key("native_stream", env="LAAS_NATIVE_STREAM"),
    # What LaaS takes of images and PDFs as they are; the rest is adapted (docs/multimodal.md).
    Key("image_max_side"),
    Key("image_formats"),
    Key("spread_images"),
    Key("split_pdfs"),
    # A request's preset variables, merged over preset_params.
    Key("params", admin=False),
)


def names(table: tuple[Key, ...] = KEYS, **properties: bool) -> tuple[str, ...]:
    """The names of the keys with every given property, in table order."""
    return tuple(
        key.name
        for key in table
        if all(bool(getattr(key, prop)) is want for prop, want in properties.items())
    )


# Refused when a client sets them (settings.check_client_keys).
ADMIN_KEYS = frozenset(names(admin=True))
CLIENT_PRESET_KEYS = frozenset(names(client_preset=True))
# The order of LaaSSettings.secrets().
SECRET_NAMES = names(secret=True)
REQUIRED = names(required=True)
# key -> LAAS_* variable.
ENV = {key.name: key.env for key in KEYS if key.env}
# The plugin's own keys, found in optional_params: consumed by settings and the handler,
# never forwarded to LaaS (transform.params).
OWN_KEYS = frozenset(names(litellm=False))
# Secrets LiteLLM does not know as such: it would show them in its model listings.
PLUGIN_SECRETS = names(secret=True, litellm=False)
# The variables holding secrets; a per-model one is named by its prefix.
SECRET_ENV = tuple(ENV[name] for name in SECRET_NAMES)
SECRET_ENV_PREFIXES = tuple(ENV[name] for name in names(secret=True, per_model=True))
