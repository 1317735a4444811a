"""The catalogue of malformed event files: each is rejected with a message that says where and why.

Every file in ``tests/data/events_bad/`` has exactly one thing wrong (its first line says what, for
YAML files). ``recall-risk events validate FILE`` must exit 2 without a traceback, and print one
line naming the file, the event (index and id) where there is one, and the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_risk.cli import main
from recall_risk.errors import EventFileError
from recall_risk.events import load_events

BAD = Path(__file__).parent / "data" / "events_bad"
NONEXISTENT = "does_not_exist.yaml"

EXPECTED: dict[str, tuple[str, ...]] = {
    # file-level problems
    NONEXISTENT: ("no such event file",),
    "empty.yaml": ("file is empty", "company, ticker"),
    "file_not_a_mapping.yaml": ("expected a mapping with keys company, ticker",),
    "invalid_yaml_syntax.yaml": ("invalid YAML at line 23", "indentation"),
    "non_utf8.yaml": ("not UTF-8", "0x96", "save the file with UTF-8"),
    "unknown_top_level_key.yaml": ("'benchmrk'", "did you mean 'benchmark'"),
    "duplicate_key.yaml": ("invalid YAML at line 11", "duplicate key 'units'"),
    "nested_too_deep.yaml": ("invalid YAML", "nested too deeply"),
    "missing_ticker.yaml": ("field 'ticker'", "required but missing"),
    "events_not_a_list.yaml": ("field 'events'", "expected a list of events"),
    # one event's fields
    "unknown_key.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'safety_critcal'",
        "did you mean 'safety_critical'",
    ),
    "missing_id.yaml": ("event #1,", "field 'id'", "required but missing"),
    "missing_source.yaml": ("event #0 ('su7-recall-2025-01')", "field 'source'", "required"),
    "blank_source.yaml": ("event #1 ('su7-crash-2025-03-29')", "field 'source'", "blank"),
    "missing_announced.yaml": ("event #1 ('su7-orders-2025-04')", "field 'announced'", "required"),
    "missing_type.yaml": ("event #1 ('su7-orders-2025-04')", "field 'type'", "recall, quality"),
    "bad_date_format.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'announced'",
        "YYYY-MM-DD",
        "'24/01/2025'",
    ),
    "impossible_date.yaml": ("event #1 ('su7-orders-2025-04')", "field 'announced'", "2025-02-30"),
    "datetime_not_date.yaml": (
        "event #1 ('su7-crash-2025-03-29')",
        "field 'announced'",
        "date and time",
        "drop the time",
    ),
    "units_quoted.yaml": ("event #0 ('su7-recall-2025-01')", "field 'units'", "without quotes"),
    "units_thousands_separator.yaml": (
        "event #2 ('su7-recall-2025-01')",
        "field 'units'",
        "'30,931'",
        "thousands separators",
    ),
    "units_float.yaml": ("event #0 ('su7-recall-2025-01')", "field 'units'", "whole number"),
    "units_negative.yaml": ("event #1 ('su7-recall-2025-01')", "field 'units'", "-30931"),
    "units_zero.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'units'",
        "greater than or equal",
    ),
    "units_above_cumulative_sales.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'units'",
        "larger than cumulative_sales 13948",
    ),
    "units_above_derived_sales.yaml": (
        "event #1 ('su7-recall-2025-01')",
        "field 'units'",
        "cumulative_sales 27307 derived from deliveries",
    ),
    "cumulative_sales_missing.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'cumulative_sales'",
        "no deliveries events",
    ),
    "cumulative_sales_deliveries_too_late.yaml": (
        "event #1 ('su7-recall-2025-01')",
        "field 'cumulative_sales'",
        "announced on or before this recall",
    ),
    "cumulative_sales_misspelt_unknown.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'cumulative_sales'",
        "did you mean 'unknown'",
    ),
    "safety_critical_quoted.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'safety_critical'",
        "true or false",
    ),
    "placement_zero.yaml": ("event #1 ('cqn-2025-q1')", "field 'placement'", "got 0"),
    "placement_above_field_size.yaml": (
        "event #1 ('cqn-2025-q1')",
        "field 'placement'",
        "outside 1..field_size (29)",
    ),
    "penalty_points_without_average.yaml": (
        "event #0 ('cqn-2025-q1')",
        "field 'segment_average'",
        "give both or neither",
    ),
    "announced_before_occurred.yaml": (
        "event #1 ('su7-crash-2025-03-29')",
        "field 'announced'",
        "before occurred",
    ),
    "unknown_event_type.yaml": (
        "event #1 ('su7-recall-2025-01')",
        "field 'type'",
        "did you mean 'recall'",
    ),
    "event_type_not_text.yaml": (
        "event #0 ('su7-recall-2025-01')",
        "field 'type'",
        "expected one of",
    ),
    "event_not_a_mapping.yaml": ("event #1:", "expected a mapping of fields"),
    "bad_remedy.yaml": ("event #0 ('su7-recall-2025-01')", "field 'remedy'", "'ota' or 'physical'"),
    "change_below_minus_one.yaml": (
        "event #1 ('su7-orders-2025-04')",
        "field 'change'",
        "-1",
        "-0.55 means a 55% fall",
    ),
    "severity_above_one.yaml": ("event #1 ('su7-crash-2025-03-29')", "field 'severity'", "got 6"),
    "incident_without_harm.yaml": (
        "event #1 ('su7-crash-2025-03-29')",
        "field 'severity'",
        "fatalities, injuries or a severity",
    ),
    "bad_period.yaml": ("event #0 ('su7-dlv-2024-q2')", "field 'period'", "YYYY-Qn", "'2025 Q1'"),
    "orders_announced_before_period.yaml": (
        "event #1 ('su7-orders-2025-04')",
        "field 'announced'",
        "before period 2025-06 began",
    ),
    # across events
    "duplicate_ids.yaml": ("event #1 ('su7-dlv-2024-q2')", "field 'id'", "first used by event #0"),
    "overlapping_deliveries.yaml": (
        "event #1 ('su7-dlv-2024-06')",
        "field 'period'",
        "overlaps deliveries event 'su7-dlv-2024-q2'",
    ),
    # CSV
    "csv_missing_column.csv": ("missing column 'announced'",),
    "csv_two_companies.csv": (
        "event #2 ('su7-crash-2025-03-29')",
        "field 'company'",
        "'Xiaomi Corp.' differs from 'Xiaomi'",
    ),
    "csv_non_utf8.csv": ("not UTF-8", "0x96"),
    "csv_units_text.csv": ("event #1 ('su7-recall-2025-01')", "field 'units'", "'about 30000'"),
    "csv_bad_date.csv": ("event #1 ('su7-crash-2025-03-29')", "field 'announced'", "YYYY-MM-DD"),
    "csv_header_only.csv": ("no event rows",),
    "csv_extra_cell.csv": ("event #1 ('su7-crash-2025-03-29')", "more cells", "double quotes"),
    "csv_duplicate_ids.csv": ("event #2 ('su7-recall-2025-01')", "field 'id'", "event #0"),
    "csv_duplicate_column.csv": ("column(s) 'announced' appear more than once",),
}


def test_catalogue_and_table_agree():
    on_disk = {path.name for path in BAD.iterdir()}
    assert on_disk == set(EXPECTED) - {NONEXISTENT}
    assert len(on_disk) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_rejects_with_a_located_message(name, capsys):
    path = str(BAD / name)
    code = main(["events", "validate", path])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(f"error: {path}: ")
    assert err.count("\n") == 1, f"expected exactly one problem, got:\n{err}"
    for fragment in EXPECTED[name]:
        assert fragment in err


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {NONEXISTENT}))
def test_loader_raises_event_file_error(name):
    with pytest.raises(EventFileError) as info:
        load_events(BAD / name)
    assert isinstance(info.value, ValueError)
    assert str(BAD / name) in str(info.value)
