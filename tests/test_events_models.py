"""Event types field by field: periods, ratios, strict (YAML) versus text (CSV) values."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from recall_risk.events import (
    Deliveries,
    Incident,
    Orders,
    QualityRanking,
    Recall,
    period_bounds,
)

RECALL = {
    "id": "su7-recall-2025-01",
    "announced": date(2025, 1, 24),
    "units": 30931,
    "cumulative_sales": 139487,
    "source": "SAMR",
}


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025-01", date(2025, 1, 1), date(2025, 1, 31)),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-H1", date(2025, 1, 1), date(2025, 6, 30)),
        ("2024-H2", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_period_bounds(period, first, last):
    assert period_bounds(period) == (first, last)


@pytest.mark.parametrize(
    "period", ["", "25", "2025-1", "2025-13", "2025-00", "2025-Q0", "2025-Q5", "2025-H3", "2025 Q1"]
)
def test_period_bounds_rejects_other_spellings(period):
    with pytest.raises(ValueError, match="YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn"):
        period_bounds(period)


def test_recall_ratio():
    recall = Recall.model_validate(RECALL, strict=True)
    assert recall.ratio_known
    assert recall.ratio == pytest.approx(30931 / 139487)
    assert recall.safety_critical is True
    assert recall.remedy == "physical"


def test_recall_with_unknown_sales_has_no_ratio():
    recall = Recall.model_validate({**RECALL, "cumulative_sales": "unknown"}, strict=True)
    assert not recall.ratio_known
    with pytest.raises(ValueError, match="no known cumulative_sales"):
        _ = recall.ratio


@pytest.mark.parametrize(
    ("placement", "field_size", "percentile"),
    [(1, 29, 0.0), (29, 29, 1.0), (15, 29, 0.5), (1, 1, 0.0)],
)
def test_quality_ranking_percentile(placement, field_size, percentile):
    ranking = QualityRanking(
        id="cqn",
        announced=date(2025, 5, 15),
        source="ArenaEV",
        ranking="CQN 2025 Q1",
        placement=placement,
        field_size=field_size,
    )
    assert ranking.percentile == percentile


def test_events_are_frozen_and_reject_unknown_fields():
    recall = Recall.model_validate(RECALL)
    with pytest.raises(ValidationError):
        recall.units = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Recall.model_validate({**RECALL, "unit": 5})


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("units", "30931", 30931),
        ("cumulative_sales", "139487", 139487),
        ("safety_critical", "false", False),
    ],
)
def test_strict_rejects_text_that_lax_converts(field, text, value):
    """YAML is validated strictly (``units: "5"`` is an error); CSV cells are text and convert."""
    raw = {**RECALL, field: text}
    with pytest.raises(ValidationError):
        Recall.model_validate(raw, strict=True)
    assert getattr(Recall.model_validate(raw, strict=False), field) == value


def test_strict_accepts_int_for_float_fields_but_not_float_for_int():
    orders = Orders.model_validate(
        {
            "id": "o",
            "announced": date(2025, 5, 14),
            "source": "s",
            "period": "2025-04",
            "change": -1,
        },
        strict=True,
    )
    assert orders.change == -1.0
    with pytest.raises(ValidationError):
        Recall.model_validate({**RECALL, "units": 30931.0}, strict=True)


def test_iso_date_text_is_accepted_even_when_strict():
    recall = Recall.model_validate({**RECALL, "announced": "2025-01-24"}, strict=True)
    assert recall.announced == date(2025, 1, 24)


def test_period_written_as_a_bare_year_number():
    """YAML reads ``period: 2025`` as an int; it means the year."""
    deliveries = Deliveries.model_validate(
        {"id": "d", "announced": date(2026, 1, 2), "source": "s", "period": 2025, "units": 1},
        strict=True,
    )
    assert deliveries.period == "2025"


@pytest.mark.parametrize(("notes", "kept"), [("  text \n", "text"), ("\n", None), (None, None)])
def test_notes_are_stripped(notes, kept):
    incident = Incident(id="i", announced=date(2025, 3, 31), source="s", fatalities=1, notes=notes)
    assert incident.notes == kept


@pytest.mark.parametrize("value", [-0.01, 1.01])
def test_severity_is_between_zero_and_one(value):
    with pytest.raises(ValidationError):
        Incident(id="i", announced=date(2025, 3, 31), source="s", severity=value)


def test_each_type_names_its_score_component():
    assert Recall.component == "recall"
    assert QualityRanking.component == "quality"
    assert Orders.component == "orders"
    assert Deliveries.component == "orders"
    assert Incident.component == "incident"
