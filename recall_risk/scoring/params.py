"""Score parameters: one frozen, validated :class:`ScoreParams` object.

Every field has a default, so ``ScoreParams()`` is the documented model. A YAML mapping (from a
``--params`` file or a section of a run config) becomes parameters through
:meth:`ScoreParams.from_mapping`, which reports every problem in one
:class:`~recall_risk.errors.ScoreParamsError` naming the source and the field, with "did you mean"
for unknown keys. Parameters (defaults in brackets):

- ``recall_scale`` r0 [0.15] (> 0): recall ratio at which a recall's magnitude reaches 1 - 1/e.
- ``recall_unknown_ratio`` [0.1] (in (0, 1]): the recall ratio assumed for a recall whose
  ``cumulative_sales`` is ``"unknown"`` (no source gives the population), instead of an invented
  denominator.
- ``recall_non_safety_factor`` [0.5] and ``recall_ota_factor`` [0.75] (in [0, 1]): multipliers
  for recalls that are not safety-critical, and for recalls fixed by an over-the-air update.
- ``quality_penalty_weight`` w_q [0.5] (in [0, 1]): share of a ranking's magnitude that comes
  from its penalty points against the segment average (the rest comes from the placement).
- ``quality_penalty_scale`` s0 [0.5] (> 0): relative penalty excess that counts as the worst.
- ``orders_scale`` c0 [0.5] (> 0): relative order decline that counts as the worst.
- ``incident_fatality_scale`` f0 [2.0] (> 0): fatalities at which an incident's magnitude reaches
  1 - 1/e; ``incident_injury_weight`` [0.1] (>= 0): fatalities one injury counts as.
- ``investigation_severity`` [PE 0.3, EA 0.5, RQ 0.4, DP 0.15, AQ 0.25] (in [0, 1]): the
  magnitude of a regulator's defect investigation by kind (an engineering analysis is the step
  before a recall can be ordered, so it weighs more than the preliminary evaluation it upgrades).
- ``regulatory_severity`` [notice_of_violation 0.6, sales_halt 0.7, registration_halt 0.6,
  fine 0.3] (in [0, 1]): the magnitude of a government finding by kind, when no figure sizes it;
  ``regulatory_fine_scale`` [0.01] (> 0): a fine of this share of annual revenue reaches 1 - 1/e.
- ``half_life_days`` [recall 90, quality 180, orders 60, incident 45, investigation 120,
  regulatory 180] (> 0, calendar days).
- ``weights`` [recall 1.0, quality 0.6, orders 0.6, incident 0.8, investigation 0.5,
  regulatory 0.7] (in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from recall_risk.errors import ScoreParamsError
from recall_risk.validation import (
    MAX_MAGNITUDE,
    StrictModel,
    describe,
    format_validation_error,
    not_utf8,
)
from recall_risk.yamlio import YamlSyntaxError, parse_yaml

_CONFIG = ConfigDict(allow_inf_nan=False)


class HalfLives(StrictModel):
    """Half-life of each component's events, in calendar days (each > 0)."""

    model_config = _CONFIG

    recall: float = Field(default=90.0, gt=0, le=MAX_MAGNITUDE)
    quality: float = Field(default=180.0, gt=0, le=MAX_MAGNITUDE)
    orders: float = Field(default=60.0, gt=0, le=MAX_MAGNITUDE)
    incident: float = Field(default=45.0, gt=0, le=MAX_MAGNITUDE)
    investigation: float = Field(default=120.0, gt=0, le=MAX_MAGNITUDE)
    regulatory: float = Field(default=180.0, gt=0, le=MAX_MAGNITUDE)


class ComponentWeights(StrictModel):
    """Weight of each component in the overall score (each in [0, 1])."""

    model_config = _CONFIG

    recall: float = Field(default=1.0, ge=0, le=1)
    quality: float = Field(default=0.6, ge=0, le=1)
    orders: float = Field(default=0.6, ge=0, le=1)
    incident: float = Field(default=0.8, ge=0, le=1)
    investigation: float = Field(default=0.5, ge=0, le=1)
    regulatory: float = Field(default=0.7, ge=0, le=1)


class InvestigationSeverity(StrictModel):
    """Magnitude of a defect investigation by kind (each in [0, 1])."""

    model_config = _CONFIG

    PE: float = Field(default=0.3, ge=0, le=1)
    EA: float = Field(default=0.5, ge=0, le=1)
    RQ: float = Field(default=0.4, ge=0, le=1)
    DP: float = Field(default=0.15, ge=0, le=1)
    AQ: float = Field(default=0.25, ge=0, le=1)


class RegulatorySeverity(StrictModel):
    """Magnitude of a regulatory finding by kind (each in [0, 1])."""

    model_config = _CONFIG

    notice_of_violation: float = Field(default=0.6, ge=0, le=1)
    sales_halt: float = Field(default=0.7, ge=0, le=1)
    registration_halt: float = Field(default=0.6, ge=0, le=1)
    fine: float = Field(default=0.3, ge=0, le=1)


class ScoreParams(StrictModel):
    """All parameters of the risk score (see the module docstring for their meaning)."""

    model_config = _CONFIG

    recall_scale: float = Field(default=0.15, gt=0, le=MAX_MAGNITUDE)
    recall_unknown_ratio: float = Field(default=0.1, gt=0, le=1)
    recall_non_safety_factor: float = Field(default=0.5, ge=0, le=1)
    recall_ota_factor: float = Field(default=0.75, ge=0, le=1)
    quality_penalty_weight: float = Field(default=0.5, ge=0, le=1)
    quality_penalty_scale: float = Field(default=0.5, gt=0, le=MAX_MAGNITUDE)
    orders_scale: float = Field(default=0.5, gt=0, le=MAX_MAGNITUDE)
    incident_fatality_scale: float = Field(default=2.0, gt=0, le=MAX_MAGNITUDE)
    incident_injury_weight: float = Field(default=0.1, ge=0, le=MAX_MAGNITUDE)
    investigation_severity: InvestigationSeverity = Field(default_factory=InvestigationSeverity)
    regulatory_severity: RegulatorySeverity = Field(default_factory=RegulatorySeverity)
    regulatory_fine_scale: float = Field(default=0.01, gt=0, le=MAX_MAGNITUDE)
    half_life_days: HalfLives = Field(default_factory=HalfLives)
    weights: ComponentWeights = Field(default_factory=ComponentWeights)

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "<params>", prefix: str = "") -> ScoreParams:
        """Validate a mapping (for example parsed YAML) into parameters.

        Numbers must be YAML numbers (``0.5``, ``90``), not quoted strings. Missing keys keep their
        defaults; ``half_life_days`` and ``weights`` may give only some components.

        Args:
            data: Mapping of field names to values; ``None`` means all defaults.
            source: Where the mapping came from, used in error messages (a file name).
            prefix: Path of the mapping inside that file (``"score."``), before field names.

        Raises:
            ScoreParamsError: listing every bad field with what was expected.
        """
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            where = f"field {prefix.rstrip('.')!r}: " if prefix else ""
            raise ScoreParamsError(
                f"{source}: {where}expected a mapping of score parameters such as "
                f"'recall_scale: 0.15', got {describe(data)}"
            )
        try:
            return cls.model_validate(dict(data), strict=True)
        except ValidationError as exc:
            raise ScoreParamsError(
                format_validation_error(source, exc, cls, prefix=prefix)
            ) from None


def load_score_params(path: str | Path) -> ScoreParams:
    """Read :class:`ScoreParams` from a YAML file holding a mapping of parameters.

    An empty file gives the defaults.

    Raises:
        ScoreParamsError: the file is missing, not YAML, or holds invalid parameters.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScoreParamsError(
            f"{name}: cannot read score parameters: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ScoreParamsError(not_utf8(name, exc)) from None
    try:
        data = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ScoreParamsError(f"{name}: {exc}") from None
    return ScoreParams.from_mapping(data, source=name)
