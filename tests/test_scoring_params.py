"""ScoreParams: defaults, validation, messages naming the source and field, YAML files."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from recall_risk.errors import ScoreParamsError
from recall_risk.scoring import ScoreParams, load_score_params


def test_defaults_are_the_documented_model():
    p = ScoreParams()
    assert (p.recall_scale, p.recall_non_safety_factor, p.recall_ota_factor) == (0.15, 0.5, 0.75)
    assert p.recall_unknown_ratio == 0.1
    assert (p.quality_penalty_weight, p.quality_penalty_scale, p.orders_scale) == (0.5, 0.5, 0.5)
    assert (p.incident_fatality_scale, p.incident_injury_weight) == (2.0, 0.1)
    assert p.half_life_days.model_dump() == {
        "recall": 90.0,
        "quality": 180.0,
        "orders": 60.0,
        "incident": 45.0,
        "investigation": 120.0,
        "regulatory": 180.0,
    }
    assert p.weights.model_dump() == {
        "recall": 1.0,
        "quality": 0.6,
        "orders": 0.6,
        "incident": 0.8,
        "investigation": 0.5,
        "regulatory": 0.7,
    }
    assert p.investigation_severity.model_dump() == {
        "PE": 0.3,
        "EA": 0.5,
        "RQ": 0.4,
        "DP": 0.15,
        "AQ": 0.25,
    }
    assert p.regulatory_severity.model_dump() == {
        "notice_of_violation": 0.6,
        "sales_halt": 0.7,
        "registration_halt": 0.6,
        "fine": 0.3,
    }
    assert p.regulatory_fine_scale == 0.01


def test_from_mapping_keeps_defaults_for_missing_keys_and_components():
    p = ScoreParams.from_mapping({"recall_scale": 0.3, "half_life_days": {"recall": 30}})
    assert p.recall_scale == 0.3
    assert p.half_life_days.recall == 30.0
    assert p.half_life_days.quality == 180.0
    assert p.weights == ScoreParams().weights


def test_from_mapping_none_gives_defaults():
    assert ScoreParams.from_mapping(None) == ScoreParams()


def test_params_are_frozen():
    p = ScoreParams()
    with pytest.raises(ValidationError):
        p.recall_scale = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"recall_scale": 0}, "recall_scale", "greater than 0"),
        ({"recall_ota_factor": 1.5}, "recall_ota_factor", "less than or equal to 1"),
        ({"recall_unknown_ratio": 0}, "recall_unknown_ratio", "greater than 0"),
        ({"incident_injury_weight": -0.1}, "incident_injury_weight", "greater than or equal to 0"),
        ({"half_life_days": {"orders": -3}}, "half_life_days.orders", "greater than 0"),
        ({"weights": {"incident": 2}}, "weights.incident", "less than or equal to 1"),
        ({"orders_scale": "0.5"}, "orders_scale", "valid number"),
        ({"orders_scale": True}, "orders_scale", "valid number"),
        ({"orders_scale": float("inf")}, "orders_scale", "finite"),
        ({"half_life_days": 30}, "half_life_days", "dictionary"),
    ],
)
def test_bad_values_name_source_and_field(data, field, fragment):
    with pytest.raises(ScoreParamsError) as info:
        ScoreParams.from_mapping(data, source="params.yaml")
    message = str(info.value)
    assert message.startswith(f"params.yaml: field {field!r}: ")
    assert fragment in message


def test_unknown_key_suggests_the_closest():
    with pytest.raises(ScoreParamsError, match=r"'recal_scale'.*did you mean 'recall_scale'\?"):
        ScoreParams.from_mapping({"recal_scale": 0.2}, source="p.yaml")


def test_unknown_nested_key_suggests_within_its_mapping():
    with pytest.raises(ScoreParamsError) as info:
        ScoreParams.from_mapping({"weights": {"incidnet": 0.5}}, source="p.yaml")
    message = str(info.value)
    assert "field 'weights.incidnet'" in message
    assert "did you mean 'incident'?" in message
    assert "expected one of: recall, quality, orders, incident" in message


def test_every_problem_is_listed():
    with pytest.raises(ScoreParamsError) as info:
        ScoreParams.from_mapping({"recall_scale": -1, "orders_scale": 0}, source="p.yaml")
    assert len(str(info.value).splitlines()) == 2


def test_not_a_mapping():
    with pytest.raises(ScoreParamsError, match=r"p\.yaml: expected a mapping"):
        ScoreParams.from_mapping([1, 2], source="p.yaml")


def test_score_params_error_is_a_value_error():
    with pytest.raises(ValueError):
        ScoreParams.from_mapping({"recall_scale": -1})


def test_load_score_params_from_yaml(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("recall_scale: 0.2\nweights:\n  quality: 0.0\n", encoding="utf-8")
    p = load_score_params(path)
    assert p.recall_scale == 0.2
    assert p.weights.quality == 0.0


def test_load_score_params_empty_file_is_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    assert load_score_params(path) == ScoreParams()


def test_load_score_params_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ScoreParamsError, match=r"missing\.yaml: cannot read"):
        load_score_params(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("recall_scale: [1,\n", encoding="utf-8")
    with pytest.raises(ScoreParamsError, match=r"bad\.yaml: invalid YAML at line"):
        load_score_params(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("orders_scale: -1\n", encoding="utf-8")
    with pytest.raises(ScoreParamsError, match=r"wrong\.yaml: field 'orders_scale'"):
        load_score_params(wrong)
