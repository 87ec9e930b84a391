"""docs/install.md and its Dockerfile snippet: linted like the shipped Dockerfile, and in step
with the package (version, provider registration, settings, supported range). The snippet's
RUN line is executed by tests/e2e/test_wheel.py."""

from __future__ import annotations

import re
import subprocess
import tomllib

import yaml

import laas_provider
from laas_provider import settings

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
    blocks = re.findall(r"```yaml\n(.*?)```", INSTALL, re.S)
    documented = yaml.safe_load(blocks[0])["litellm_settings"]["custom_provider_map"]
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
    block = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", INSTALL, re.S)[0])
    assert "laas_provider.guard.request_guard" in block["litellm_settings"]["callbacks"]
    assert block["router_settings"]["fallback_on_unsupported_params"] is False
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert "laas_provider.guard.request_guard" in shipped["litellm_settings"]["callbacks"]
    assert shipped["router_settings"]["fallback_on_unsupported_params"] is False


def test_install_doc_has_a_new_proxy_recipe_for_each_supported_litellm():
    import importlib.util

    spec = importlib.util.spec_from_file_location("compat", ROOT / "scripts" / "compat.py")
    compat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compat)
    section = INSTALL.split("## A new proxy, per LiteLLM release", 1)[1].split("\n## ", 1)[0]
    for version in compat.SUPPORTED:
        assert f"`LITELLM={version}`" in section, version
    assert "--require-hashes --no-deps -r requirements.lock" in section
    assert '--upgrade-strategy only-if-needed "litellm==$LITELLM"' in section
    assert "pip check" in section
