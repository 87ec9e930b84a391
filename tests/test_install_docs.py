"""docs/install.md and its Dockerfile snippet: linted like the shipped Dockerfile, and in step
with the package (version, provider registration, settings, supported range). The snippet's
RUN line is executed by tests/e2e/test_wheel.py."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
import yaml

import laas_provider
from laas_provider import settings

from .compat_script import compat
from .docker_files import ROOT, instructions, stages
from .test_dockerfile import tool

EXTEND = ROOT / "docs" / "examples" / "Dockerfile.extend"
INSTALL = (ROOT / "docs" / "install.md").read_text()


def test_hadolint_reports_nothing_on_the_snippet():
    result = subprocess.run([tool("hadolint"), "--no-color", str(EXTEND)], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_snippet_extends_a_given_litellm_image_and_keeps_its_litellm():
    (stage,) = stages(EXTEND.read_text())
    assert "litellm" in stage.base and ":" in stage.base  # a tagged default, overridable
    assert "ARG LITELLM_IMAGE=" in EXTEND.read_text()
    (run,) = [i.args for i in stage.all("RUN")]
    assert re.search(r'"litellm==\$\(python -c .*m\.version\("litellm"\).*\)"', run), run
    assert "pip check" in run and "--no-cache-dir" in run


def test_snippet_and_docs_name_the_wheel_of_this_version():
    wheel = f"laas_provider-{laas_provider.__version__}-py3-none-any.whl"
    text = EXTEND.read_text()
    assert wheel in text and wheel in INSTALL
    versions = set(re.findall(r"laas_provider-([\d.]+)-py3", text + INSTALL))
    assert versions == {laas_provider.__version__}, versions


def test_install_doc_registers_the_provider_as_config_yaml_does():
    documented = yaml.safe_load(compat.doc_block("config"))["litellm_settings"][
        "custom_provider_map"
    ]
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())["litellm_settings"]
    assert documented == shipped["custom_provider_map"]
    (entry,) = documented
    module, _, name = entry["custom_handler"].rpartition(".")
    assert module == "laas_provider" and getattr(laas_provider, name) is not None


def test_install_doc_lists_every_setting_the_plugin_reads_from_the_environment():
    for variable in settings.ENV.values():
        assert f"`{variable}`" in INSTALL, variable
    assert "`LAAS_LOG_LEVEL`" in INSTALL and "`LITELLM_MASTER_KEY`" in INSTALL


def test_install_doc_names_the_extras_the_package_has():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for extra in set(extras) - {"dev"}:
        assert f"laas-provider[{extra}]" in INSTALL, extra
    assert "laas-check" in INSTALL


def test_the_snippet_is_linked_from_the_docs():
    assert "examples/Dockerfile.extend" in INSTALL
    assert "docs/install.md" in (ROOT / "README.md").read_text()
    # Every instruction the snippet has is one hadolint knows (the parser sees them all).
    assert {i.keyword for i in instructions(EXTEND.read_text())} <= {
        "ARG", "FROM", "COPY", "RUN", "CMD", "ENV", "USER"
    }  # fmt: skip


def test_install_doc_config_has_the_guard_and_answers_a_400_once():
    # The block tests/e2e/test_install_recipe_config.py serves (compat.py runs it too).
    block = yaml.safe_load(compat.doc_block("config"))
    assert "laas_provider.guard.request_guard" in block["litellm_settings"]["callbacks"]
    assert block["router_settings"]["fallback_on_unsupported_params"] is False
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert "laas_provider.guard.request_guard" in shipped["litellm_settings"]["callbacks"]
    assert shipped["router_settings"]["fallback_on_unsupported_params"] is False


def test_install_doc_has_a_new_proxy_recipe_for_each_supported_litellm():
    section = INSTALL.split("## A new proxy, per LiteLLM release", 1)[1].split("\n## ", 1)[0]
    for version in compat.SUPPORTED:
        assert f"`LITELLM={version}`" in section, version
    # The block compat.py runs is this section's, and it ends with pip check.
    block = compat.doc_block("recipe")
    assert f"```bash\n{block}```" in section
    assert block.rstrip().splitlines()[-1] == "litellm-venv/bin/pip check"


@pytest.mark.parametrize("version", compat.SUPPORTED)
def test_compat_runs_the_install_doc_recipe_as_written(version, tmp_path, monkeypatch):
    ran = []

    def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        ran.append((argv, kwargs["cwd"], (kwargs["cwd"] / "recipe.sh").read_text()))
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(compat, "run", run)
    wheel = tmp_path / f"laas_provider-{laas_provider.__version__}-py3-none-any.whl"
    wheel.write_bytes(b"")
    where = tmp_path / "deployment"
    compat.run_recipe(where, version, wheel)
    ((argv, cwd, script),) = ran
    assert argv == ["bash", "-euxo", "pipefail", "recipe.sh"] and cwd == where
    block = compat.doc_block("recipe").splitlines()
    changed = [(a, b) for a, b in zip(block, script.splitlines(), strict=True) if a != b]
    assert changed in ([], [(next(ln for ln in block if ln.startswith("LITELLM=")),
                             f"LITELLM={version}")])  # fmt: skip
    assert f"\nLITELLM={version}\n" in f"\n{script}"
    # What the recipe reads from a checkout is where it runs: the lock and the wheel it names.
    assert (where / "requirements.lock").resolve() == ROOT / "requirements.lock"
    (named,) = set(re.findall(r"dist/\S+\.whl", script))
    assert (where / named).resolve() == wheel.resolve()


def test_compat_stops_at_a_failed_recipe_step(tmp_path, monkeypatch):
    # bash -e stops at the first failing line; compat names it rather than testing a half venv.
    def run_recipe(where, version, wheel) -> subprocess.CompletedProcess:
        where.mkdir()
        (where / "recipe.log").write_text(
            f"+ LITELLM={version}\n+ litellm-venv/bin/pip install --upgrade-strategy "
            f"only-if-needed litellm=={version}\nERROR: No matching distribution\n"
        )
        return subprocess.CompletedProcess(["bash"], 1)

    monkeypatch.setattr(compat, "run_recipe", run_recipe)
    with pytest.raises(RuntimeError, match=r"the recipe failed at .*litellm==9\.9\.9"):
        compat.deployment(tmp_path / "d", "9.9.9", tmp_path / "w.whl")
