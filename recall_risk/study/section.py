"""The event-study section of a run report: run a study from a run's data, render it as HTML.

:func:`run_study_for_run` studies the events of a finished run (``RunResult``) with the run's
own benchmark. A run's prices start at its ``data.start``, usually too late for the estimation
windows of its first events; pass the run's price source (``runner.price_source(config,
prices_dir)``) to load the longer history the study needs. Without one, the run's prices are
used as they are, and events whose estimation window they do not cover are listed as skipped.
:func:`study_section_html` returns an HTML fragment (every text escaped) for
``write_report(..., extra_sections=[(title, html)])``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from recall_risk.errors import ConfigError
from recall_risk.prices import PriceSource
from recall_risk.study.core import StudyResult, run_event_study
from recall_risk.study.data import study_event_set
from recall_risk.study.options import StudyOptions, window_label
from recall_risk.study.returns import aligned_returns
from recall_risk.study.tables import display_rows, summary_rows

if TYPE_CHECKING:
    from recall_risk.runner import RunResult
    from recall_risk.study.against import AgainstScore


def run_study_for_run(
    run_result: RunResult,
    *,
    ticker: str | None = None,
    options: StudyOptions | None = None,
    source: PriceSource | None = None,
) -> StudyResult:
    """Event study of a run's events against the run's benchmark.

    Args:
        run_result: A finished run.
        ticker: Which of the run's tickers (default: the first, in ``data.tickers`` order, that
            has events).
        options: Study windows (defaults when ``None``).
        source: A price source for the longer history the estimation windows need; ``None``
            uses the run's prices only.

    Raises:
        ConfigError: the run has no benchmark or no events (for ``ticker``).
    """
    config = run_result.config
    where = str(config.source_path or config.name)
    benchmark = config.data.benchmark
    if benchmark is None or run_result.benchmark_prices is None:
        raise ConfigError(
            f"{where}: field 'data.benchmark': the event study needs a benchmark for its market "
            "model; set data.benchmark (for example ^HSI)"
        )
    with_events = [t for t in config.data.tickers if t in run_result.events]
    if ticker is None:
        if not with_events:
            raise ConfigError(f"{where}: field 'events': the run has no events to study")
        ticker = with_events[0]
    if ticker not in run_result.events:
        raise ConfigError(
            f"{where}: no events for ticker {ticker!r}; tickers with events: "
            f"{', '.join(with_events) or 'none'}"
        )
    event_set = run_result.events[ticker]
    if source is not None:
        return study_event_set(event_set, source, options, ticker=ticker, benchmark=benchmark)[0]
    returns = aligned_returns(
        run_result.prices[ticker],
        run_result.benchmark_prices,
        stock_name=ticker,
        market_name=benchmark,
    )
    return run_event_study(
        event_set,
        returns,
        options,
        ticker=ticker,
        benchmark=benchmark,
        company=event_set.company,
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def study_section_html(
    result: StudyResult | Sequence[StudyResult], against: AgainstScore | None = None
) -> str:
    """An HTML fragment with the event-study tables of one or more studies.

    Args:
        result: A study (or several, for example a stock and its peers).
        against: An optional score test whose statement is shown below the tables.
    """
    results = [result] if isinstance(result, StudyResult) else list(result)
    parts = ['<div class="event-study">']
    for r in results:
        options = r.options
        est_first, est_last = options.estimation_span
        peer = f" (peer, around {r.event_ticker} events)" if r.is_peer else ""
        parts.append(f"<h3>{html.escape(f'{r.ticker} vs {r.benchmark}{peer}')}</h3>")
        parts.append(
            "<p>"
            + html.escape(
                f"Market model r = a + b r_m fitted by OLS on simple daily returns over event "
                f"days {est_first}..{est_last}; AR = actual minus predicted return; CAR over "
                f"{window_label(options.primary_window)} with a t-test on the full "
                f"prediction-error variance (two-sided p, t with n-2 degrees of freedom). "
                f"Studied {len(r.studied)} of {len(r.events)} events."
            )
            + "</p>"
        )
        if r.studied:
            parts.append(_table(*display_rows(r), css="study-events"))
            parts.append(_table(*summary_rows(r), css="study-summary"))
        if r.skipped:
            items = "".join(
                f"<li>{html.escape(f'{s.event_id} ({s.announced}): {s.reason}')}</li>"
                for s in r.skipped
            )
            parts.append(f'<p>Skipped:</p><ul class="study-skipped">{items}</ul>')
    if against is not None:
        parts.append(f'<p class="study-against">{html.escape(against.statement)}</p>')
    parts.append("</div>")
    return "\n".join(parts)


def report_section(
    run_result: RunResult,
    *,
    options: StudyOptions | None = None,
    source: PriceSource | None = None,
) -> tuple[str, str]:
    """``(title, HTML)`` for ``write_report(..., extra_sections=[...])``: the study of the
    run's events with the score test under the run's own score parameters.

    Args:
        run_result: A finished run.
        options: Study windows (defaults when ``None``).
        source: Price source for the longer history (see :func:`run_study_for_run`).
    """
    from recall_risk.scoring import ScoreParams
    from recall_risk.study.against import against_score_for

    result = run_study_for_run(run_result, options=options, source=source)
    config = run_result.config
    params = ScoreParams.from_mapping(config.score, source=f"{config.name}: score")
    event_set = run_result.events[result.ticker]
    against = against_score_for(event_set, result, params)[1] if result.studied else None
    return f"Event study: {result.ticker} vs {result.benchmark}", study_section_html(
        result, against
    )
