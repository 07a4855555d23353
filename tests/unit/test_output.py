"""How `dtc` shows rows: rounded numbers, dates, durations, nested values laid out, long cells wrapped, CSV."""

from __future__ import annotations

import io

import pytest

from dtc.output import as_date, as_duration, render_table, rounded, write_csv


@pytest.mark.parametrize(("value", "shown"), [
    (0.666666666666667, "0.667"), (0.0712025316455696, "0.0712"), (9.36296296296296, "9.36"), (3.0, "3.00"),
    (0.0, "0"), (-0.7, "-0.7"), (12345.678, "12345.68"), (0.000412345, "0.000412"),
])
def test_floats_are_rounded(value: float, shown: str) -> None:
    assert rounded(value) == shown


def test_epoch_ms_become_utc_dates_and_ms_durations_days_and_hours() -> None:
    assert as_date(1709982000000) == "2024-03-09 11:00"
    assert as_date(1704067200000) == "2024-01-01"
    assert as_date(1709982005000) == "2024-03-09 11:00:05"
    assert [as_duration(ms) for ms in (350, 12_000, 2_520_000, 18_720_000, 273_605_000, 86_400_000)] == [
        "350ms", "12s", "42m", "5h 12m", "3d 4h", "1d"]


def test_a_table_aligns_numbers_and_shows_declared_datetimes_as_dates() -> None:
    rows = [{"friction": "colour_mismatch", "exposed": 195, "rate": 0.666666666666667, "at": 1709982000000},
            {"friction": "long_wait", "exposed": 75, "rate": None, "at": None}]
    assert render_table(rows, {"at": "datetime"}).splitlines() == [
        "friction         exposed  rate   at",
        "---------------  -------  -----  ----------------",
        "colour_mismatch      195  0.667  2024-03-09 11:00",
        "long_wait             75",
        "(2 rows)",
    ]


def test_nested_values_are_laid_out_one_entry_per_line_and_nulls_left_out() -> None:
    rows = [{"friction": "long_wait",
             "competitors": [{"competitor": "glamco", "count": 21}, {"competitor": "quickglow", "count": 1}],
             "journeys": [{"id": "j1", "startedAt": 1709982000000, "sessionId": None,
                           "interactions": [{"id": "e1", "at": 1709982000000, "csat": None}]}]}]
    assert render_table(rows, {"journeys.startedAt": "datetime", "journeys.interactions.at": "datetime"},
                        ).splitlines() == [
        "friction   competitors                        journeys",
        "---------  ---------------------------------  ----------------------------------",
        "long_wait  - competitor: glamco, count: 21    - id: j1",
        "           - competitor: quickglow, count: 1    startedAt: 2024-03-09 11:00",
        "                                                interactions:",
        "                                                  - id: e1, at: 2024-03-09 11:00",
        "(1 row)",
    ]


def test_a_long_cell_wraps_instead_of_being_cut() -> None:
    text = "I waited 40 minutes and still have no appointment to fix my hair, and nobody called me back either."
    lines = render_table([{"id": "e5", "text": text}], {}).splitlines()
    assert max(len(line) for line in lines) <= 2 + 2 + 60
    assert " ".join(line[4:].strip() for line in lines[2:-1]) == text


def test_a_wide_table_with_nested_values_prints_one_record_at_a_time() -> None:
    rows = [{"id": "sydney", "personas": [{"persona": "trend-seeker", "weight": 0.9, "note": "x" * 50}] * 2,
             "frictions": [{"friction": "colour_mismatch", "hits": 1, "name": "Colour result did not suit her"}] * 2,
             "consents": [{"purpose": "marketing", "granted": False, "at": 1704067200000}] * 2}]
    lines = render_table(rows, {"consents.at": "datetime"}, terminal_width=100).splitlines()
    assert lines[0].startswith("-[ row 1 ]---")
    assert lines[1] == "id         sydney"
    assert "consents   - purpose: marketing, granted: false, at: 2024-01-01" in lines
    assert all(len(line) <= 100 for line in lines)


def test_csv_keeps_numbers_exact_and_writes_datetimes_as_iso() -> None:
    out = io.StringIO()
    write_csv([{"at": 1709982000123, "rate": 0.666666666666667, "frictions": ["a", "b"], "csat": None}],
              {"at": "datetime"}, out)
    assert out.getvalue().splitlines() == [
        "at,rate,frictions,csat", '2024-03-09T11:00:00.123Z,0.666666666666667,"[""a"", ""b""]",']
