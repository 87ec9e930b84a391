"""The compose `monitoring` profile, read without Docker (none on these machines): Prometheus
and Grafana only in that profile, loopback ports, pinned images, every mounted file present,
the scrape key and Grafana's password as compose secrets, and Prometheus pointed at the
proxy service. tests/test_dockerfile.py checks the whole file against the Compose spec;
tests/e2e/test_monitoring.py checks the dashboard against a real proxy's /metrics."""

from __future__ import annotations

import re

import pytest
import yaml

from .docker_files import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
MONITORING = ("prometheus", "grafana")


@pytest.mark.parametrize("name", MONITORING)
def test_monitoring_services_run_only_in_their_profile_on_pinned_images(name):
    service = SERVICES[name]
    assert service["profiles"] == ["monitoring"]
    tag = service["image"].partition(":")[2]
    assert re.fullmatch(r"v?\d+\.\d+\.\d+", tag), service["image"]
    for port in service["ports"]:
        assert port.startswith("127.0.0.1:"), port


@pytest.mark.parametrize("name", MONITORING)
def test_every_file_a_monitoring_service_mounts_is_in_the_repo(name):
    for volume in SERVICES[name]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), volume


def test_prometheus_reads_the_scrape_key_from_the_compose_secret():
    prometheus = SERVICES["prometheus"]
    config = yaml.safe_load((ROOT / "monitoring" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    secret = job["authorization"]["credentials_file"].removeprefix("/run/secrets/")
    assert secret in prometheus["secrets"]
    assert COMPOSE["secrets"][secret] == {"environment": "LITELLM_MASTER_KEY"}
    host, _, port = job["static_configs"][0]["targets"][0].partition(":")
    assert host == "litellm" and port == SERVICES["litellm"]["ports"][0].rsplit(":", 1)[1]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in prometheus["volumes"]}
    assert mounts["./monitoring/prometheus.yml"] in " ".join(prometheus["command"])
    assert config["rule_files"] == [mounts["./monitoring/alerts.yml"]]


def test_grafana_gets_its_password_from_a_secret_and_the_dashboard_from_provisioning():
    grafana = SERVICES["grafana"]
    password_file = grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD__FILE"]
    secret = password_file.removeprefix("/run/secrets/")
    assert secret in grafana["secrets"] and "environment" in COMPOSE["secrets"][secret]
    provider = yaml.safe_load(
        (ROOT / "monitoring/grafana/provisioning/dashboards/laas.yml").read_text()
    )["providers"][0]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    assert mounts[provider["options"]["path"]] == "./monitoring/grafana/dashboards"
    assert mounts["/etc/grafana/provisioning"] == "./monitoring/grafana/provisioning"
    datasource = yaml.safe_load(
        (ROOT / "monitoring/grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"


def test_the_default_profile_needs_no_monitoring_variable():
    # Compose interpolates every service, enabled or not: a ${VAR:?} in a monitoring service
    # would stop a plain `docker compose up`.
    text = yaml.safe_dump({name: SERVICES[name] for name in MONITORING})
    assert ":?" not in text
