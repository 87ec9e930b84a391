"""Run the LaaS emulator: ``python -m laas_provider.emulator [--port 8910]``.

``--print-env`` prints the LAAS_* settings that point the provider at it.
"""

from __future__ import annotations

import argparse
import os
import shlex

import uvicorn

from . import behaviour
from .app import create_app
from .presets import DEFAULT_PRESET, preset_hash

DEFAULT_PROJECT_CODE = "EMULATOR_PROJECT"
DEFAULT_API_KEY = "emulator-key"  # not a secret: it only opens this local emulator


def emulator_env(host: str, port: int, project_code: str, api_key: str) -> dict[str, str]:
    return {
        "LAAS_API_BASE": f"http://{host}:{port}",
        "LAAS_PROJECT_CODE": project_code,
        "LAAS_API_KEY": api_key,
        "LAAS_PRESET_HASH": preset_hash(DEFAULT_PRESET),
    }


def _project(value: str) -> tuple[str, str]:
    code, sep, key = value.partition(":")
    if not (sep and code and key):
        raise argparse.ArgumentTypeError("expected CODE:KEY")
    return code, key


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="laas-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LAAS_EMULATOR_PORT", 8910)))
    parser.add_argument(
        "--project-code", default=os.environ.get("LAAS_EMULATOR_PROJECT_CODE", DEFAULT_PROJECT_CODE)
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("LAAS_EMULATOR_API_KEY", DEFAULT_API_KEY)
    )
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="CODE:KEY",
        type=_project,
        help="accept one more project code and its apiKey (repeatable)",
    )
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print the LAAS_* exports that point the provider here, and exit",
    )
    parser.add_argument(
        "--deviate",
        default=os.environ.get(behaviour.ENV, ""),
        metavar="A,B",
        help="deviate from the assumed LaaS behaviour (tests of laas-check --probe): "
        + ", ".join(behaviour.DEVIATIONS),
    )
    parser.add_argument(
        "--token-rate",
        type=float,
        default=float(os.environ.get("LAAS_EMULATOR_TOKEN_RATE", "0")),
        metavar="N",
        help="the model's speed in tokens per second: paces streamed answers, and delays "
        "whole answers by as long (0: instant)",
    )
    args = parser.parse_args(argv)
    try:
        deviations = behaviour.parse(args.deviate)
    except ValueError as exc:
        parser.error(str(exc))
    if args.print_env:
        for name, value in emulator_env(
            args.host, args.port, args.project_code, args.api_key
        ).items():
            print(f"export {name}={shlex.quote(value)}")
        return
    app = create_app(args.project_code, args.api_key, projects=dict(args.project))
    app.state.emulator.deviations = deviations
    app.state.emulator.token_rate = args.token_rate
    # Idle connections are kept longer than the proxy's pool keeps them (aiohttp: 15 s), so
    # the client always closes first: uvicorn's 5 s default races a reused connection.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_keep_alive=30)


if __name__ == "__main__":
    main()
