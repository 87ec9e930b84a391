"""First check of LaaS credentials, without the proxy: ``python -m laas_provider.check``.

Reads LAAS_API_KEY, LAAS_PROJECT_CODE, LAAS_PRESET_HASH (and LAAS_API_BASE) from the
environment or ``.env``, checks that the preset exists (``GET /api/preset/{hash}``), then
sends one chat message through the handler (``litellm.completion``) and prints the answer.
Exit status: 0 ok, 1 LaaS refused or failed, 2 not configured.

``--probe`` instead runs the bounded conformance probe of docs/assumptions.md
(``laas_provider/probe/``; exit status 3 when LaaS disagrees with an assumption);
``--probe media`` its opt-in image and PDF rows, which spend real tokens.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import deployment

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

if TYPE_CHECKING:
    from .settings import LaaSSettings

# Checked before litellm is imported (seconds on a busy machine): "not configured" is instant
# (deployment is plain data; settings would import litellm).
REQUIRED = {name: deployment.ENV[name] for name in deployment.REQUIRED}


def unconfigured() -> list[str]:
    """The required settings set neither in the environment nor in .env (as settings.resolve)."""
    from dotenv import dotenv_values, find_dotenv

    path = find_dotenv(usecwd=True)
    dotenv = dotenv_values(path) if path else {}
    return [
        f"{name} (litellm_params.{name} or {env})"
        for name, env in REQUIRED.items()
        if not (os.environ.get(env) or dotenv.get(env))
    ]


def check_preset(settings: LaaSSettings) -> tuple[bool, str]:
    import httpx

    from . import client, errors

    try:
        response = client.sync_client().get(
            settings.preset_url(), headers=settings.headers(), timeout=client.timeout(30)
        )
    except httpx.TransportError as exc:
        return False, f"could not reach {settings.api_base} ({type(exc).__name__})"
    if response.status_code == 200:
        return True, "preset found"
    reason = errors.scrub(errors.upstream_message(response), settings.secrets())
    return False, f"HTTP {response.status_code}: {reason}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="laas-check",
        description="First check of LaaS credentials, without the proxy: checks that the "
        "preset exists, sends one message through the plugin and prints the answer. Exit "
        "status: 0 ok, 1 LaaS refused or failed, 2 not configured (3 with --probe: LaaS "
        "disagrees with an assumption).",
    )
    parser.add_argument("message", nargs="?", default="Hello! Who are you?")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a preset variable (repeatable)")  # fmt: skip
    probing = parser.add_argument_group("probe (laas_provider/probe/)")
    probing.add_argument(
        "--probe",
        nargs="?",
        const="default",
        choices=("default", "media"),
        help="check each assumption of docs/assumptions.md against your LaaS: prints its "
        "plan (calls, token bound) and asks before sending anything. `--probe media`: the "
        "image and PDF limits behind the adaptation keys instead (tens of thousands of "
        "tokens; estimated per call before asking)",
    )
    probing.add_argument("--yes", action="store_true", help="--probe: do not ask before spending")
    probing.add_argument(
        "--out-dir",
        type=Path,
        default=Path("."),
        help="--probe: where laas-probe-<date>.json/.md go (default: here)",
    )
    probing.add_argument("--image-url", default=None, help="--probe: the https image to send")
    probing.add_argument("--pdf-url", default=None, help="--probe: the https PDF to send")
    args = parser.parse_args(argv)
    params = dict(p.split("=", 1) for p in args.param if "=" in p)

    missing = unconfigured()
    if missing:
        print(f"laas-check: LaaS is not configured: missing {', '.join(missing)}. Put them in "
              "the environment or in .env", file=sys.stderr)  # fmt: skip
        return 2

    import litellm

    import laas_provider as package

    from . import probe
    from .settings import SettingsError, resolve

    try:
        settings = resolve(None, None, {})
    except SettingsError as exc:
        print(f"laas-check: {exc}. Put them in the environment or in .env", file=sys.stderr)
        return 2
    if args.probe:
        urls = {k: v for k, v in (("image_url", args.image_url), ("pdf_url", args.pdf_url)) if v}
        return probe.main(settings, args.out_dir, assume_yes=args.yes,
                          media=args.probe == "media", **urls)  # fmt: skip
    print(f"laas-check: LaaS at {settings.api_base}")

    ok, detail = check_preset(settings)
    print(f"laas-check: preset: {detail}")
    if not ok:
        return 1

    litellm.custom_provider_map = [{"provider": "laas", "custom_handler": package.laas_provider}]
    try:
        reply = litellm.completion(
            model="laas/check",
            messages=[{"role": "user", "content": args.message}],
            extra_body={"params": params} if params else None,
        )
    except Exception as exc:  # report any failure in one line, then fail
        print(f"laas-check: chat failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    usage = getattr(reply, "usage", None)
    print(f"laas-check: answer (finish_reason={reply.choices[0].finish_reason}, "
          f"tokens={getattr(usage, 'total_tokens', '?')}):")  # fmt: skip
    print(reply.choices[0].message.content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
