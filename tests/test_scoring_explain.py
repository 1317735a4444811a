"""explain(): the per-event breakdown matches the score frame exactly."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from recall_risk.events import build_event_set, load_events
from recall_risk.scoring import COMPONENTS, CONTRIBUTION_COLUMNS, explain, score_events
from recall_risk.scoring.params import ScoreParams


@pytest.fixture(scope="module")
def xiaomi():
    return load_events("xiaomi_su7")


def test_xiaomi_2025_09_22_shows_the_recall_ratio(xiaomi):
    explanation = explain(xiaomi, "2025-09-22")
    rows = explanation.contributions.set_index("id")
    recall = rows.loc["samr-2025-09-su7-l2"]
    assert recall["figure"] == "recall_ratio"
    assert 0.30 < recall["figure_value"] < 0.40
    assert recall["figure_value"] == 116_887 / 305_055
    assert recall["age_days"] == 3
    assert recall["component"] == "recall"
    assert not recall["cumulative_sales_derived"]
    assert "116,887 of 305,055 units" in recall["detail"]
    assert recall["decayed"] == pytest.approx(recall["magnitude"] * 2 ** (-3 / 90), rel=1e-15)


def test_columns_and_only_announced_events(xiaomi):
    explanation = explain(xiaomi, date(2025, 3, 28))
    frame = explanation.contributions
    assert tuple(frame.columns) == CONTRIBUTION_COLUMNS
    assert (frame["announced"] <= pd.Timestamp("2025-03-28")).all()
    assert "crash-2025-03-29" not in set(frame["id"])
    assert explanation.components["incident"] == 0.0
    assert explanation.day == date(2025, 3, 28)


@pytest.mark.parametrize(
    "day", ["2025-01-24", "2025-03-31", "2025-05-15", "2025-09-22", "2026-01-05"]
)
def test_score_and_components_equal_the_frame_exactly(xiaomi, day):
    frame = score_events(xiaomi, pd.bdate_range("2024-01-01", "2026-03-31"))
    explanation = explain(xiaomi, day)
    row = frame.loc[day]
    assert explanation.score == row["score"]
    assert explanation.components == {c: row[c] for c in COMPONENTS}


@pytest.mark.parametrize("day", ["2025-03-31", "2025-09-22", "2025-10-20"])
def test_contributions_reproduce_components_bit_for_bit(xiaomi, day):
    explanation = explain(xiaomi, day)
    frame = explanation.contributions
    for component in COMPONENTS:
        survival = 1.0
        for decayed in frame.loc[frame["component"] == component, "decayed"]:
            survival *= 1.0 - decayed
        assert 1.0 - survival == explanation.components[component]


def test_day_before_every_event():
    explanation = explain(load_events("xiaomi_su7"), "2020-01-01")
    assert explanation.score == 0.0
    assert explanation.contributions.empty
    assert tuple(explanation.contributions.columns) == CONTRIBUTION_COLUMNS


def test_derived_cumulative_sales_flag():
    events = build_event_set(
        [
            {
                "id": "d1",
                "type": "deliveries",
                "model": "X",
                "period": "2024-01",
                "announced": "2024-02-01",
                "units": 800,
                "source": "s",
            },
            {
                "id": "r1",
                "type": "recall",
                "model": "X",
                "announced": "2024-03-01",
                "units": 200,
                "source": "s",
            },
        ],
        company="C",
        ticker="C",
        benchmark=None,
        source="test",
    )
    rows = explain(events, "2024-03-04").contributions.set_index("id")
    assert rows.loc["r1", "cumulative_sales_derived"]
    assert rows.loc["r1", "figure_value"] == 0.25
    assert not rows.loc["d1", "cumulative_sales_derived"]


def test_params_are_used():
    events = load_events("xiaomi_su7")
    params = ScoreParams.from_mapping({"recall_scale": 0.5})
    explanation = explain(events, "2025-09-19", params)
    recall = explanation.contributions.set_index("id").loc["samr-2025-09-su7-l2"]
    assert recall["magnitude"] == pytest.approx(0.75 * (1 - math.exp(-(116_887 / 305_055) / 0.5)))
    row = score_events(events, ["2025-09-19"], params).iloc[0]
    assert explanation.score == row["score"]


def test_to_dict_is_json_ready(xiaomi):
    data = explain(xiaomi, "2025-09-22").to_dict()
    text = json.dumps(data)
    back = json.loads(text)
    assert back["day"] == "2025-09-22"
    assert back["contributions"][-1]["announced"] == "2025-09-19"
    assert np.isclose(back["score"], data["score"])


def test_investigation_regulatory_and_unknown_sales_are_explained():
    raw = [
        {
            "id": "EA22002",
            "type": "investigation",
            "announced": "2022-06-09",
            "source": "NHTSA",
            "action": "EA",
            "vehicles": 830000,
            "subject": "Autopilot System Driver Controls",
        },
        {
            "id": "nov",
            "type": "regulatory",
            "announced": "2022-06-10",
            "source": "EPA",
            "action": "notice_of_violation",
            "authority": "EPA",
        },
        {
            "id": "23V838000",
            "type": "recall",
            "announced": "2022-06-10",
            "source": "NHTSA",
            "units": 2031220,
            "cumulative_sales": "unknown",
            "remedy": "ota",
        },
    ]
    events = build_event_set(raw, company="T", ticker="T", benchmark=None, source="t", strict=False)
    got = explain(events, "2022-06-10")
    rows = got.contributions.set_index("id")
    assert rows.loc["EA22002", "component"] == "investigation"
    assert rows.loc["EA22002", "detail"] == (
        "investigation EA; 830,000 vehicles; Autopilot System Driver Controls"
    )
    assert rows.loc["nov", "component"] == "regulatory"
    assert rows.loc["nov", "detail"] == "notice of violation by EPA"
    assert "cumulative_sales: unknown (no denominator known" in rows.loc["23V838000", "detail"]
    assert rows.loc["23V838000", "figure"] == "assumed_recall_ratio"
    frame = score_events(events, [date(2022, 6, 10)]).iloc[0]
    assert got.components == {c: float(frame[c]) for c in COMPONENTS}
    assert got.components["investigation"] == pytest.approx(0.5 * 2 ** (-1 / 120), rel=1e-12)
