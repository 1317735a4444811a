"""Base magnitudes: each formula against hand-computed numbers."""

from __future__ import annotations

import math
from datetime import date

import pytest

from recall_risk.errors import EventFileError
from recall_risk.events import Deliveries, Incident, Orders, QualityRanking, Recall
from recall_risk.scoring import (
    MAGNITUDE_COLUMNS,
    ScoreParams,
    event_magnitudes,
    magnitude,
    recall_ratio,
)
from recall_risk.scoring.model import figure_of

P = ScoreParams()
DAY = date(2025, 1, 6)


def recall(units=15, sales=100, safety=True, remedy="physical", **kw):
    return Recall(
        id=kw.pop("id", "r"),
        announced=kw.pop("announced", DAY),
        source="test",
        units=units,
        cumulative_sales=sales,
        safety_critical=safety,
        remedy=remedy,
        **kw,
    )


def ranking(placement, field_size, penalty=None, average=None):
    return QualityRanking(
        id="q",
        announced=DAY,
        source="test",
        ranking="r",
        placement=placement,
        field_size=field_size,
        penalty_points=penalty,
        segment_average=average,
    )


def incident(fatalities=0, injuries=0, severity=None):
    return Incident(
        id="i",
        announced=DAY,
        source="test",
        fatalities=fatalities,
        injuries=injuries,
        severity=severity,
    )


def orders(change):
    return Orders(id="o", announced=DAY, source="test", period="2024-12", change=change)


@pytest.mark.parametrize(
    ("safety", "remedy", "expected"),
    [
        # r = 15/100 = 0.15 = r0, so 1 - exp(-1) = 0.6321205588285577
        (True, "physical", 0.6321205588285577),
        (False, "physical", 0.6321205588285577 * 0.5),
        (True, "ota", 0.6321205588285577 * 0.75),
        (False, "ota", 0.6321205588285577 * 0.5 * 0.75),
    ],
)
def test_recall_magnitude(safety, remedy, expected):
    assert magnitude(recall(safety=safety, remedy=remedy), P) == pytest.approx(expected, rel=1e-15)


def test_xiaomi_second_recall_ratio_and_magnitude():
    event = recall(units=116_887, sales=305_055, remedy="ota")
    name, ratio = figure_of(event, P)
    assert name == "recall_ratio"
    assert 0.30 < ratio < 0.40
    assert ratio == pytest.approx(0.3831669699)
    # r / r0 = 2.5544465, exp(-2.5544465) = 0.0777352, 1 - 0.0777352 = 0.9222648, x 0.75 (OTA)
    assert magnitude(event, P) == pytest.approx(0.6916986, abs=1e-7)


def test_recall_with_unknown_cumulative_sales_uses_the_assumed_ratio():
    event = Recall(id="u", announced=DAY, source="t", units=97_000, cumulative_sales="unknown")
    assert figure_of(event, P) == ("assumed_recall_ratio", 0.1)
    # r = 0.1, r / r0 = 2/3: 1 - exp(-2/3) = 0.486582880967408
    assert magnitude(event, P) == pytest.approx(0.486582880967408, rel=1e-15)
    params = ScoreParams(recall_unknown_ratio=0.3)
    assert magnitude(event, params) == pytest.approx(1 - math.exp(-2), rel=1e-15)
    with pytest.raises(EventFileError, match="'unknown'"):
        recall_ratio(event)


def test_recall_without_cumulative_sales_is_an_error():
    event = Recall(id="r", announced=DAY, source="t", units=5)
    with pytest.raises(EventFileError, match="'r' has no cumulative_sales"):
        magnitude(event, P)


def test_recall_scale_parameter():
    params = ScoreParams(recall_scale=0.3)
    # r = 0.15, r / r0 = 0.5: 1 - exp(-0.5) = 0.3934693402873666
    assert magnitude(recall(), params) == pytest.approx(0.3934693402873666, rel=1e-15)


@pytest.mark.parametrize(
    ("placement", "field_size", "penalty", "average", "expected"),
    [
        (1, 1, None, None, 0.0),
        (1, 15, None, None, 0.0),
        (8, 15, None, None, 0.5),
        (15, 15, None, None, 1.0),
        # Xiaomi: p = 1, s = (239 - 183) / 183 / 0.5 = 0.6120218579, m = 0.5 + 0.5 s
        (29, 29, 239.0, 183.0, 0.5 + 0.5 * (56 / 183 / 0.5)),
        # penalty below average: s = 0, m = 0.5 p
        (8, 15, 150.0, 183.0, 0.25),
        # penalty far above average: s clipped to 1
        (8, 15, 500.0, 183.0, 0.75),
    ],
)
def test_quality_magnitude(placement, field_size, penalty, average, expected):
    event = ranking(placement, field_size, penalty, average)
    assert magnitude(event, P) == pytest.approx(expected, rel=1e-15)
    assert figure_of(event, P).name == "placement_percentile"


def test_quality_penalty_weight_zero_uses_placement_only():
    params = ScoreParams(quality_penalty_weight=0.0)
    assert magnitude(ranking(8, 15, 500.0, 183.0), params) == 0.5


@pytest.mark.parametrize(
    ("change", "expected"),
    [(-0.55, 1.0), (-0.2, 0.4), (-0.5, 1.0), (0.0, 0.0), (0.3, 0.0), (-1.0, 1.0)],
)
def test_orders_magnitude(change, expected):
    assert magnitude(orders(change), P) == pytest.approx(expected, rel=1e-15)


def test_deliveries_with_and_without_change():
    base = {"id": "d", "announced": DAY, "source": "t", "period": "2024-12", "units": 1000}
    assert magnitude(Deliveries(**base), P) == 0.0
    assert figure_of(Deliveries(**base), P) == ("units", 1000.0)
    assert magnitude(Deliveries(**base, change=-0.1), P) == pytest.approx(0.2, rel=1e-15)
    assert figure_of(Deliveries(**base, change=-0.1), P) == ("change", -0.1)


@pytest.mark.parametrize(
    ("fatalities", "injuries", "severity", "expected", "figure"),
    [
        (3, 0, None, 1 - math.exp(-1.5), "fatalities"),  # 0.7768698398515702
        (0, 10, None, 1 - math.exp(-0.5), "weighted_casualties"),  # 10 x 0.1 = 1 fatality
        (1, 0, 0.9, 0.9, "severity"),
        (0, 0, 0.2, 0.2, "severity"),
        (40, 0, 0.2, 1 - math.exp(-20.0), "fatalities"),
    ],
)
def test_incident_magnitude(fatalities, injuries, severity, expected, figure):
    event = incident(fatalities, injuries, severity)
    assert magnitude(event, P) == pytest.approx(expected, rel=1e-15)
    assert figure_of(event, P).name == figure


def test_magnitudes_are_clipped_for_unchecked_events():
    # placement beyond the field size can only come from direct construction
    assert magnitude(ranking(40, 29), P) == 1.0


def test_event_magnitudes_frame_is_in_canonical_order():
    events = [
        incident(3),
        recall(id="b", announced=date(2025, 1, 2)),
        recall(id="a", announced=date(2025, 1, 2)),
    ]
    frame = event_magnitudes(events)
    assert tuple(frame.columns) == MAGNITUDE_COLUMNS
    assert list(frame["id"]) == ["a", "b", "i"]
    assert list(frame["component"]) == ["recall", "recall", "incident"]
    assert list(frame["figure"]) == ["recall_ratio", "recall_ratio", "fatalities"]
    assert frame["magnitude"].dtype == "float64"
    assert frame["announced"].iloc[2].date() == DAY


def test_event_magnitudes_of_the_bundled_xiaomi_set():
    from recall_risk.events import load_events

    frame = event_magnitudes(load_events("xiaomi_su7")).set_index("id")
    assert frame.loc["samr-2025-09-su7-l2", "figure_value"] == 116_887 / 305_055
    assert frame.loc["samr-2025-01-su7-parking", "figure_value"] == 30_931 / 139_487
    assert frame.loc["crash-2025-03-29", "figure_value"] == 3.0
    assert frame.loc["db-2025-04-orders", "magnitude"] == 1.0
    assert frame["magnitude"].between(0.0, 1.0).all()


def test_investigation_magnitude_is_the_severity_of_its_kind():
    from recall_risk.events import Investigation
    from recall_risk.scoring import magnitude
    from recall_risk.scoring.model import figure_of
    from recall_risk.scoring.params import ScoreParams

    params = ScoreParams.from_mapping({"investigation_severity": {"EA": 0.9}})
    for action, expected in (("PE", 0.3), ("EA", 0.9), ("RQ", 0.4), ("DP", 0.15), ("AQ", 0.25)):
        event = Investigation(id="i", announced="2022-06-09", source="t", action=action)
        assert magnitude(event, params) == expected
        assert figure_of(event, params) == ("investigation_severity", expected)


def test_regulatory_magnitude_fine_ratio_kind_and_floor():
    import math

    from recall_risk.events import Regulatory
    from recall_risk.scoring import magnitude
    from recall_risk.scoring.model import figure_of
    from recall_risk.scoring.params import ScoreParams

    params = ScoreParams()
    base = {"id": "r", "announced": "2015-09-18", "source": "t", "authority": "EPA"}
    fine = Regulatory(**base, action="fine", amount=2.8e9, annual_revenue=2.0e11)
    ratio = 2.8e9 / 2.0e11
    assert magnitude(fine, params) == pytest.approx(1 - math.exp(-ratio / 0.01), rel=1e-15)
    assert figure_of(fine, params) == ("fine_ratio", ratio)
    nov = Regulatory(**base, action="notice_of_violation")
    assert magnitude(nov, params) == 0.6
    assert figure_of(nov, params).name == "regulatory_severity"
    halt = Regulatory(**base, action="sales_halt", severity=0.95)
    assert magnitude(halt, params) == 0.95 and figure_of(halt, params) == ("severity", 0.95)
    low_floor = Regulatory(**base, action="registration_halt", severity=0.1)
    assert magnitude(low_floor, params) == 0.6
