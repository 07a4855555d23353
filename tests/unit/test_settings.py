"""Settings read from the environment: defaults, and errors that name the variable and the fix."""

from __future__ import annotations

import pytest

from graph.errors import ConfigError
from graph.settings import Settings


def test_the_embedded_idle_period_defaults_to_300_s_from_the_environment_and_0_in_code() -> None:
    assert Settings.from_env({}).embedded_idle_s == 300.0
    assert Settings.from_env({"DTC_EMBEDDED_IDLE_S": "0"}).embedded_idle_s == 0.0
    assert Settings.from_env({"DTC_EMBEDDED_IDLE_S": "2.5"}).embedded_idle_s == 2.5
    assert Settings().embedded_idle_s == 0.0  # a program that builds its settings stops the server with its last user


@pytest.mark.parametrize("raw", ["-1", "soon", "nan"])
def test_a_bad_embedded_idle_period_names_the_variable_and_what_it_takes(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"DTC_EMBEDDED_IDLE_S=.*at least 0"):
        Settings.from_env({"DTC_EMBEDDED_IDLE_S": raw})


def test_the_fold_states_memory_budget_defaults_to_128_mb() -> None:
    assert Settings.from_env({}).ingest_state_mb == 128.0
    assert Settings.from_env({"DTC_INGEST_STATE_MB": "512"}).ingest_state_mb == 512.0


@pytest.mark.parametrize("raw", ["0", "-5", "lots"])
def test_a_bad_fold_states_budget_names_the_variable_and_what_it_takes(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"DTC_INGEST_STATE_MB=.*above 0"):
        Settings.from_env({"DTC_INGEST_STATE_MB": raw})
