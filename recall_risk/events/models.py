"""Event types: what a quality event is, field by field.

Every event carries two dates, after zipline's event loaders: ``occurred`` (when it happened,
optional) and ``announced`` (the first date the market could know it). The score uses only
``announced``,
from that date's close onward. Models are frozen pydantic models that reject unknown fields; checks
that involve several fields (units against cumulative sales, placement against field size) live in
:mod:`recall_risk.events.checks` so their messages can name the field at fault.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from recall_risk.calendar import iso_date
from recall_risk.validation import (
    MAX_COUNT,
    MAX_MAGNITUDE,
    MAX_MONEY,
    StrictModel,
    control_character,
)

EVENT_TYPES: tuple[str, ...] = (
    "recall",
    "quality_ranking",
    "orders",
    "deliveries",
    "incident",
    "investigation",
    "regulatory",
)
INVESTIGATION_ACTIONS: tuple[str, ...] = ("PE", "EA", "RQ", "DP", "AQ")
"""NHTSA defect-investigation kinds (INV.txt field 1 prefixes): preliminary evaluation,
engineering analysis, recall query, defect petition, audit query."""
REGULATORY_ACTIONS: tuple[str, ...] = (
    "notice_of_violation",
    "sales_halt",
    "registration_halt",
    "fine",
)

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4])|-H([12]))?$")

NonEmptyStr = Annotated[str, Field(min_length=1)]

MAX_CHANGE = 1000.0
"""Largest relative change of orders or deliveries (+100,000%); a fraction, -0.55 for -55%."""


def _to_date(value: Any) -> Any:
    """Accept ``date`` objects and ISO ``YYYY-MM-DD`` strings; leave the rest to pydantic."""
    parsed = iso_date(value) if isinstance(value, str) else None
    return value if parsed is None else parsed


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period: ``YYYY``, ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY-Hn``."""
    match = _PERIOD_RE.match(period)
    if match is None:
        raise ValueError(f"period {period!r} is not YYYY, YYYY-MM, YYYY-Qn or YYYY-Hn")
    year = int(match.group(1))
    if match.group(2):
        first_month, months = int(match.group(2)), 1
    elif match.group(3):
        first_month, months = 3 * (int(match.group(3)) - 1) + 1, 3
    elif match.group(4):
        first_month, months = 6 * (int(match.group(4)) - 1) + 1, 6
    else:
        first_month, months = 1, 12
    last_month = first_month + months - 1
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


class _EventBase(StrictModel):
    """Fields every event has. Numbers are finite and bounded (``MAX_COUNT`` for counts)."""

    model_config = ConfigDict(allow_inf_nan=False)

    id: NonEmptyStr
    announced: date
    occurred: date | None = None
    source: NonEmptyStr
    notes: str | None = None
    model: str | None = None  # the product concerned, e.g. "SU7"; matches recalls to deliveries

    component: ClassVar[str | None] = None

    @field_validator("announced", "occurred", mode="before")
    @classmethod
    def _parse_date(cls, value: Any) -> Any:
        return _to_date(value)

    @field_validator("id", "source", mode="after")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("id", "model", mode="after")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        problem = control_character(value) if value is not None else ""
        if problem:
            raise ValueError(f"{problem}; write it on one line without tabs")
        return value

    @field_validator("notes", mode="after")
    @classmethod
    def _strip_notes(cls, value: str | None) -> str | None:
        # YAML block scalars end with a newline and CSV cells are stripped: keep notes comparable.
        return (value.strip() or None) if value is not None else None


class _PeriodMixin(BaseModel):
    period: NonEmptyStr

    @field_validator("period", mode="before")
    @classmethod
    def _period_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("period", mode="after")
    @classmethod
    def _period_format(cls, value: str) -> str:
        period_bounds(value)
        return value


class Recall(_EventBase):
    """A product recall: ``units`` of a model out of ``cumulative_sales`` sold so far.

    ``cumulative_sales`` may be omitted (then derived from the file's deliveries events known by
    ``announced``) or set to ``"unknown"`` when no source gives the denominator; the score then
    uses the documented ``recall_unknown_ratio`` assumption instead of a made-up figure.
    """

    component: ClassVar[str | None] = "recall"

    type: Literal["recall"] = "recall"
    units: int = Field(ge=1, le=MAX_COUNT)
    cumulative_sales: Annotated[int, Field(ge=1, le=MAX_COUNT)] | Literal["unknown"] | None = None
    safety_critical: bool = True
    remedy: Literal["ota", "physical"] = "physical"
    system: str | None = None

    @property
    def ratio_known(self) -> bool:
        """Whether ``cumulative_sales`` is a number (given or derived)."""
        return isinstance(self.cumulative_sales, int)

    @property
    def ratio(self) -> float:
        """Recalled share of cumulative sales, ``units / cumulative_sales``.

        Raises:
            ValueError: when ``cumulative_sales`` is ``"unknown"`` or missing.
        """
        if not isinstance(self.cumulative_sales, int):
            raise ValueError(f"recall {self.id!r} has no known cumulative_sales")
        return self.units / self.cumulative_sales


class QualityRanking(_EventBase):
    """A placement in a published quality ranking; placement 1 is best."""

    component: ClassVar[str | None] = "quality"

    type: Literal["quality_ranking"] = "quality_ranking"
    ranking: NonEmptyStr
    placement: int = Field(ge=1, le=MAX_COUNT)
    field_size: int = Field(ge=1, le=MAX_COUNT)
    penalty_points: float | None = Field(default=None, ge=0, le=MAX_MAGNITUDE)
    segment_average: float | None = Field(default=None, gt=0, le=MAX_MAGNITUDE)

    @property
    def percentile(self) -> float:
        """``(placement - 1) / (field_size - 1)``: 0 for first place, 1 for last (0 if alone)."""
        if self.field_size == 1:
            return 0.0
        return (self.placement - 1) / (self.field_size - 1)


class Orders(_EventBase, _PeriodMixin):
    """New orders for a period, as a relative change against the previous period."""

    component: ClassVar[str | None] = "orders"

    type: Literal["orders"] = "orders"
    change: float = Field(ge=-1.0, le=MAX_CHANGE)


class Deliveries(_EventBase, _PeriodMixin):
    """Units delivered in a period; an optional ``change`` against the previous period counts as
    a demand signal (declines feed the ``orders`` component)."""

    component: ClassVar[str | None] = "orders"

    type: Literal["deliveries"] = "deliveries"
    units: int = Field(ge=0, le=MAX_COUNT)
    change: float | None = Field(default=None, ge=-1.0, le=MAX_CHANGE)


class Incident(_EventBase):
    """An incident such as a fatal crash or a fire; ``severity`` in [0, 1] is a hand-set floor."""

    component: ClassVar[str | None] = "incident"

    type: Literal["incident"] = "incident"
    fatalities: int = Field(default=0, ge=0, le=MAX_COUNT)
    injuries: int = Field(default=0, ge=0, le=MAX_COUNT)
    severity: float | None = Field(default=None, ge=0.0, le=1.0)


class Investigation(_EventBase):
    """A formal defect investigation opened by a regulator (NHTSA's PE, EA, RQ, DP or AQ).

    ``action`` is the kind of probe; ``vehicles`` the population it covers, where given. The
    investigation's closing is not an event field: a close date in a file written later would
    tell the score something the market did not know on ``announced``.
    """

    component: ClassVar[str | None] = "investigation"

    type: Literal["investigation"] = "investigation"
    action: Literal["PE", "EA", "RQ", "DP", "AQ"]
    vehicles: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    subject: str | None = None


class Regulatory(_EventBase):
    """A government finding against the company that is not a recall: a notice of violation
    (say, cheating on emissions tests), a sales or registration halt, or a fine.

    A fine with ``amount`` and ``annual_revenue`` (same currency) is sized by their ratio; any
    action may carry a hand-set ``severity`` floor in [0, 1].
    """

    component: ClassVar[str | None] = "regulatory"

    type: Literal["regulatory"] = "regulatory"
    action: Literal["notice_of_violation", "sales_halt", "registration_halt", "fine"]
    authority: NonEmptyStr
    amount: float | None = Field(default=None, gt=0, le=MAX_MONEY)
    annual_revenue: float | None = Field(default=None, gt=0, le=MAX_MONEY)
    severity: float | None = Field(default=None, ge=0.0, le=1.0)


Event = Recall | QualityRanking | Orders | Deliveries | Incident | Investigation | Regulatory

MODEL_FOR_TYPE: dict[str, type[_EventBase]] = {
    "recall": Recall,
    "quality_ranking": QualityRanking,
    "orders": Orders,
    "deliveries": Deliveries,
    "incident": Incident,
    "investigation": Investigation,
    "regulatory": Regulatory,
}
