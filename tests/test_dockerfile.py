"""The Docker artefacts, checked without a Docker engine (these machines have none):
hadolint on the Dockerfile, the Compose spec's JSON schema on docker-compose.yml, and what
users must be able to trust — pinned hash-locked installs, non-root, a health check that
costs nothing, config and secrets from outside, a build context without secrets.

tests/e2e/test_image_command.py runs the image's own command, environment and health check
against the emulator."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .docker_files import ROOT, dockerfile, in_build_context
from .test_supply_chain import locked

BIN = Path(sys.executable).parent
STAGES = dockerfile()
FINAL = STAGES[-1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL", re.I)


def tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} is missing: it comes with the dev lock (bash scripts/bootstrap.sh)"
    return path


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


# --- linters --------------------------------------------------------------------------------


def test_hadolint_reports_nothing_on_the_dockerfile():
    result = run(tool("hadolint"), "--no-color", "Dockerfile")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_does_report_a_bad_dockerfile(tmp_path):
    # The check above can fail: the same linter flags the usual mistakes.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install curl\n")
    result = run(tool("hadolint"), "--no-color", str(bad))
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3015"):  # :latest, unpinned apt, no --no-install-...
        assert rule in result.stdout, result.stdout


def test_compose_file_follows_the_compose_spec():
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                 "docker-compose.yml")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_spec_check_does_catch_a_wrong_key(tmp_path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  litellm:\n    image: x\n    port: ['4000:4000']\n")
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(bad))
    assert result.returncode != 0 and "port" in result.stdout


# --- the Dockerfile -------------------------------------------------------------------------


def test_every_stage_is_a_slim_python_3_11_image():
    assert STAGES, "no FROM"
    for stage in STAGES:
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base), stage.base


def test_dependencies_come_from_the_hash_locked_file():
    runs = " ".join(i.args for stage in STAGES for i in stage.all("RUN"))
    assert re.search(r"pip install --require-hashes --no-deps [^&;]*-r requirements\.lock", runs)
    assert "pip install --no-deps --no-build-isolation ." in runs
    # Every pip install is either a hashed lock or the project itself (no loose downloads).
    for command in re.findall(r"pip install [^&;]*", runs):
        assert "--require-hashes" in command or command.rstrip().endswith(" ."), command


def test_the_database_lock_is_hashed_and_agrees_with_the_runtime_lock():
    runtime, db = locked("requirements.lock"), locked("requirements-db.lock")
    assert "prisma" in db
    for name, (version, hashes) in db.items():
        assert hashes, name
        if name in runtime:
            assert runtime[name][0] == version, f"{name}: {version} vs {runtime[name][0]}"


def test_the_image_runs_as_a_non_root_user():
    user = FINAL.last("USER")
    assert user is not None, "no USER in the final stage"
    uid, _, gid = user.args.partition(":")
    assert uid.isdigit() and int(uid) > 0, user  # numeric: Kubernetes can check runAsNonRoot
    assert not gid or (gid.isdigit() and int(gid) > 0), user
    assert FINAL.instructions.index(user) > max(
        FINAL.instructions.index(i) for i in FINAL.all("RUN") + FINAL.all("COPY")
    ), "USER must come after the last RUN/COPY"


def test_the_image_listens_on_4000_and_checks_its_health_without_calling_laas():
    assert FINAL.last("EXPOSE").args == "4000"
    env = FINAL.env()
    assert env["PORT"] == "4000" and env["HOST"] == "0.0.0.0"
    healthcheck = FINAL.last("HEALTHCHECK")
    assert healthcheck is not None
    probe = " ".join(healthcheck.exec_form())
    # /health would make one billed LaaS call per model every interval.
    assert "/health/liveliness" in probe and "/health'" not in probe


def test_the_image_uses_the_local_price_map_and_no_dotenv():
    env = FINAL.env()
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"  # no fetch from the internet at start
    assert env["LITELLM_MODE"] == "PRODUCTION"  # LiteLLM reads no .env file in the container


def test_the_image_serves_config_yaml_which_a_mount_can_replace():
    assert FINAL.last("ENTRYPOINT").exec_form() == ["litellm"]
    cmd = FINAL.last("CMD").exec_form()
    config_path = cmd[cmd.index("--config") + 1]
    copies = [i.args.split() for i in FINAL.all("COPY")]
    assert ["config.yaml", config_path] in copies
    litellm = COMPOSE["services"]["litellm"]
    assert f"./config.yaml:{config_path}:ro" in litellm["volumes"]


def test_no_secret_is_baked_into_the_image():
    for stage in STAGES:
        for name in [*stage.env(), *(i.args.split("=")[0] for i in stage.all("ARG"))]:
            assert not SECRET_NAME.search(name), f"{name} would be stored in the image"
        for copy in stage.all("COPY"):
            assert ".env" not in copy.args.split(), copy


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_secrets():
    for stage in STAGES:
        for copy in stage.all("COPY"):
            if "--from=" in copy.args:
                continue  # from another stage, not from the build context
            parts = [p for p in copy.args.split() if not p.startswith("--")]
            for source in parts[:-1]:
                assert (ROOT / source).exists(), source
                assert in_build_context(source), f"{source} is excluded by .dockerignore"
    for path in (".env", ".git/config", ".venv/bin/python", "tests/test_dockerfile.py",
                 "laas_provider/__pycache__/x.pyc", "bench/results/x.json"):  # fmt: skip
        assert not in_build_context(path), f"{path} would reach the Docker daemon"
    assert in_build_context("laas_provider/emulator/app.py")


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_builds_our_image_with_database_support():
    litellm = COMPOSE["services"]["litellm"]
    assert litellm["build"]["context"] == "."
    assert litellm["build"]["args"]["WITH_DATABASE"] == "true"
    assert "WITH_DATABASE" in " ".join(i.args for i in STAGES[0].all("ARG"))


def test_compose_wires_the_proxy_to_its_database_and_redis():
    services = COMPOSE["services"]
    env = services["litellm"]["environment"]
    match = re.fullmatch(r"postgresql://(\w+):\$\{POSTGRES_PASSWORD[^}]*\}@(\w+):5432/(\w+)",
                         env["DATABASE_URL"])  # fmt: skip
    assert match, env["DATABASE_URL"]
    user, host, database = match.groups()
    db_env = services[host]["environment"]
    assert (db_env["POSTGRES_USER"], db_env["POSTGRES_DB"]) == (user, database)
    assert env["REDIS_HOST"] in services
    for dependency in (host, env["REDIS_HOST"]):
        assert services["litellm"]["depends_on"][dependency]["condition"] == "service_healthy"
        assert "healthcheck" in services[dependency]
    # config.yaml reads Redis from these variables.
    router = yaml.safe_load((ROOT / "config.yaml").read_text())["router_settings"]
    assert router["redis_host"] == "os.environ/REDIS_HOST"
    assert router["redis_port"] == "os.environ/REDIS_PORT"


def test_compose_publishes_the_exposed_port_on_loopback_only():
    (port,) = COMPOSE["services"]["litellm"]["ports"]
    assert port == f"127.0.0.1:4000:{FINAL.last('EXPOSE').args}"


def test_compose_takes_every_secret_from_the_environment():
    for name, service in COMPOSE["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("__FILE") and str(value).startswith("/run/secrets/"):
                continue  # a compose secret's file (secrets: read from the environment)
            if SECRET_NAME.search(key) or SECRET_NAME.search(str(value)):
                assert "${" in str(value) and ":?" in str(value), f"{name}.{key}={value}"


def test_compose_emulator_runs_the_packaged_emulator():
    emulator = COMPOSE["services"]["emulator"]
    assert emulator["profiles"] == ["emulator"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert emulator["entrypoint"][0] in scripts
    assert emulator["image"] == COMPOSE["services"]["litellm"]["image"]


@pytest.mark.parametrize("path", ["Dockerfile", "docker-compose.yml", ".dockerignore"])
def test_docker_files_are_documented(path):
    assert path in (ROOT / "docs" / "gateway.md").read_text()
