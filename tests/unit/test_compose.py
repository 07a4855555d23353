"""docker-compose.yml describes Neo4j 5 with a healthcheck, Redis, and the API pointed at Neo4j over Bolt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENV = {"NEO4J_PASSWORD": "pw", "DTC_API_KEYS": "k:admin", "DTC_IDENTITY_KEY": "secret", "PATH": "/usr/bin:/bin"}


def compose() -> dict:  # type: ignore[type-arg]
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_neo4j_is_version_5_with_a_cypher_shell_healthcheck_and_a_named_volume() -> None:
    neo4j = compose()["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5")
    healthcheck = " ".join(neo4j["healthcheck"]["test"])
    assert "cypher-shell" in healthcheck and "RETURN 1" in healthcheck
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "neo4j-data" in compose()["volumes"]
    assert "NEO4J_PASSWORD" in neo4j["environment"]["NEO4J_AUTH"]


def test_the_api_talks_to_neo4j_over_bolt_and_to_redis_for_the_stream() -> None:
    services = compose()["services"]
    api = services["api"]
    assert api["environment"]["DTC_GRAPH_URL"] == "bolt://neo4j:7687"
    assert api["environment"]["DTC_REDIS_URL"].startswith("redis://redis:")
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "redis" in services and services["worker"]["command"] == ["dtc", "worker"]
    assert (ROOT / "Dockerfile").exists()


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or Debian's `docker-compose`, whichever this machine has."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file() -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed; the YAML is checked above")
    result = subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
                            capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr
    missing = subprocess.run([*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
                             capture_output=True, text=True, env={"PATH": ENV["PATH"]})
    assert missing.returncode != 0, "the compose file refuses to start without a Neo4j password"
