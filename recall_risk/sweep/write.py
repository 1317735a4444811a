"""Write a sweep's outputs into one folder, atomically (temp folder + rename).

- ``results.csv`` (and ``results.parquet`` when pyarrow is installed): every point in point order
  with its metrics, ``feasible`` and ``rank``; floats written with ``repr`` (round-trip exact), so
  the file is byte-identical whatever executor computed it;
- ``top.md``: the spec and the best feasible points;
- ``heatmap.png`` and ``heatmap.html`` (plotly inlined, self-contained): the metric over the two
  heatmap parameters, best over the other parameters;
- ``best/<rank>_<strategy>.yaml``: the best points as run configs, ready for ``recall-risk run``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from recall_risk.config import RunConfig
from recall_risk.csvcells import safe_frame
from recall_risk.report.atomic import atomic_dir
from recall_risk.sweep.executors import SweepRun
from recall_risk.sweep.ranking import (
    FEASIBLE_COLUMN,
    RANK_COLUMN,
    TIED_COLUMN,
    rank_table,
    tied_text,
    top_distinct,
)
from recall_risk.sweep.spec import SCORE_PREFIX, STRATEGY_KEY, SweepSpec, score_params_for
from recall_risk.sweep.table import ENGINE_COLUMN, ERROR_COLUMN

MARKER = "results.csv"
_SHOWN_METRICS = ("final_value", "cagr", "sharpe", "max_drawdown", "trades", "alpha")


def has_parquet() -> bool:
    """Whether a parquet engine (pyarrow) is installed."""
    return importlib.util.find_spec("pyarrow") is not None


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "-"
    if isinstance(value, float | np.floating):
        number = float(value)
        return f"{number:,.2f}" if abs(number) >= 1000 else f"{number:.4g}"
    return str(value)


def _thin(trades: Any, min_trades: int) -> bool:
    """Whether a point's round trips are fewer than ``report.min_trades``."""
    try:
        return int(trades) < min_trades
    except (TypeError, ValueError):
        return False


def top_markdown(ranked: pd.DataFrame, spec: SweepSpec, config: RunConfig, run: SweepRun) -> str:
    """``top.md``: what was swept, how it ran, and the best feasible points."""
    goal = "highest" if spec.maximize else "lowest"
    constraints = ", ".join(f"`{c}`" for c in spec.constraints) or "none"
    n_ok = int((ranked[ERROR_COLUMN] == "").sum())
    n_feasible = int(ranked[RANK_COLUMN].notna().sum())
    engines = ", ".join(f"{e} ({n})" for e, n in ranked[ENGINE_COLUMN].value_counts().items())
    from recall_risk.report.markdown import md_cell  # names, tickers and values are user text

    tickers = md_cell(", ".join(config.data.tickers))
    lines = [
        f"# Sweep {md_cell(config.name)}: top {spec.top} by {spec.metric} ({goal} first)",
        "",
        f"- strategy: {md_cell(', '.join(spec.strategies))}; "
        f"parameters: {md_cell(', '.join(spec.keys))}",
        f"- points: {len(ranked)} of a {spec.grid_size}-point grid"
        + (f" (random sample, seed {spec.seed})" if spec.sample else ""),
        f"- valid: {n_ok}; feasible under constraints ({constraints}): {n_feasible}",
        f"- engine: {engines}; executor: {run.executor}",
        f"- data: {tickers} {config.data.start} .. {config.data.end}",
        "",
    ]
    for note in run.notes:
        lines.append(f"> note: {md_cell(note)}")
        lines.append("")
    best = top_distinct(ranked, spec.top)
    if best.empty:
        lines.append("No point satisfies the constraints.")
        return "\n".join(lines) + "\n"
    metrics = list(
        dict.fromkeys([spec.metric, *(c.metric for c in spec.constraints), *_SHOWN_METRICS])
    )
    headers = ["rank", *spec.keys, *metrics]
    lines.append("| " + " | ".join(md_cell(h) for h in [*headers, "ties"]) + " |")
    lines.append("|" + "|".join("---:" for _ in [*headers, "ties"]) + "|")
    for _, row in best.iterrows():
        cells = [md_cell(_fmt(row[h])) for h in headers] + [tied_text(int(row[TIED_COLUMN]))]
        if "trades" in headers and _thin(row["trades"], config.report.min_trades):
            cells[headers.index("trades")] += " †"
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if any(_thin(t, config.report.min_trades) for t in best.get("trades", [])):
        lines.append(
            f"† fewer than {config.report.min_trades} round trips (report.min_trades): too few "
            "trades to tell skill from luck."
        )
        lines.append("")
    if (best[TIED_COLUMN] > 1).any():
        lines.append(
            "Points with identical results (every metric equal) are one row, shown by the first "
            "point of the group; `×N tied` counts them (see results.csv for all)."
        )
        lines.append("")
    lines.append(
        "Ready-to-run configs of these points are in `best/` (`recall-risk run best/...`)."
    )
    return "\n".join(lines) + "\n"


def heatmap_grid(ranked: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame | None:
    """The metric over the heatmap's two parameters (rows: the second, columns: the first), best
    over the other parameters among the feasible rows (no error, every constraint holds: the
    points the ranking may choose); a cell with none is empty. None when there is no heatmap."""
    if spec.heatmap is None:
        return None
    x, y = spec.heatmap
    feasible = ranked[FEASIBLE_COLUMN] if FEASIBLE_COLUMN in ranked else ranked[ERROR_COLUMN] == ""
    valid = ranked[feasible.astype(bool)]
    if valid.empty:
        return None
    values = pd.to_numeric(valid[spec.metric], errors="coerce").astype(np.float64)
    frame = pd.DataFrame({"x": valid[x].to_numpy(), "y": valid[y].to_numpy(), "v": values})
    grouped = frame.groupby(["y", "x"], sort=True)["v"]
    best = grouped.max() if spec.maximize else grouped.min()
    # every swept value keeps its row and column, empty where no point is feasible
    columns, rows = sorted(ranked[x].dropna().unique()), sorted(ranked[y].dropna().unique())
    return best.unstack("x").reindex(index=rows, columns=columns)


def _heatmap_title(spec: SweepSpec) -> str:
    best = "max" if spec.maximize else "min"
    within = ", within the constraints" if spec.constraints else ""
    return f"{spec.metric} ({best} over the other parameters{within})"


def write_heatmap_png(
    grid: pd.DataFrame, spec: SweepSpec, axes: tuple[str, str], path: Path
) -> None:
    """A static heatmap drawn on a bare Agg figure (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x, y = axes
    width = min(16.0, 3.0 + 0.8 * grid.shape[1])
    height = min(12.0, 2.5 + 0.5 * grid.shape[0])
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    data = np.ma.masked_invalid(grid.to_numpy(dtype=np.float64))
    image = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [_fmt(v) for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [_fmt(v) for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(_heatmap_title(spec))
    if grid.size <= 400:
        values = grid.to_numpy(dtype=np.float64)
        shades = np.asarray(image.norm(values), dtype=np.float64)
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                light = shades[i, j] > 0.6  # viridis turns yellow: dark text there
                colour = "black" if light else "white"
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, label=spec.metric)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})


def write_heatmap_html(
    grid: pd.DataFrame, spec: SweepSpec, axes: tuple[str, str], config: RunConfig, path: Path
) -> None:
    """A self-contained page with the interactive heatmap (plotly.js's cartesian bundle inlined,
    1.5 MB instead of the full 4.8 MB)."""
    import plotly.graph_objects as go

    from recall_risk.report.figures import plotly_text
    from recall_risk.report.html import figure_div, page

    x, y = axes
    title = f"Sweep {config.name}: {_heatmap_title(spec)}"
    z = [[None if not np.isfinite(v) else float(v) for v in row] for row in grid.to_numpy()]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(v) for v in grid.columns],
            y=[str(v) for v in grid.index],
            colorscale="Viridis",
            colorbar={"title": {"text": spec.metric}},
            hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>{spec.metric}=%{{z:.4f}}<extra></extra>",
        )
    )
    fig.update_layout(
        title=plotly_text(title),  # the run name is the user's: text, never markup
        xaxis={"title": {"text": x}, "type": "category"},
        yaxis={"title": {"text": y}, "type": "category"},
        template="plotly_white",
    )
    html = page(title, [], [(spec.metric, figure_div(fig, "heatmap"))])
    path.write_text(html, encoding="utf-8")


def _absolute_reference(reference: str, config: RunConfig) -> str:
    """A ``file.py:Class`` strategy reference made absolute (the best configs live elsewhere)."""
    module, sep, name = reference.rpartition(":")
    if not sep or not module.endswith(".py") or Path(module).is_absolute():
        return reference
    base = config.source_path.parent if config.source_path else Path.cwd()
    return f"{(base / module).resolve()}:{name}"


def best_config(
    config: RunConfig,
    point: Mapping[str, Any],
    rank: int,
    spec: SweepSpec,
    prices_dir: str | Path | None = None,
) -> dict:
    """A run config (as a mapping) of one point: its strategy entry with the point's parameters
    and the score parameters in full; no sweep section. ``prices_dir`` (the sweep's
    ``--prices-dir``) is written in as ``source: csv`` with that folder, absolute, so the config
    runs where the sweep ran."""
    name = str(point.get(STRATEGY_KEY, spec.strategies[0]))
    entry = next(s for s in config.strategies if s.name == name)
    overrides = {k: v for k, v in point.items() if k.startswith(SCORE_PREFIX)}
    params = {
        **entry.params,
        **{k: v for k, v in point.items() if not k.startswith(SCORE_PREFIX) and k != STRATEGY_KEY},
    }
    doc = config.model_dump(mode="json", exclude={"sweep", "source_path"})
    described = ", ".join(f"{k}={v}" for k, v in point.items())
    doc["name"] = f"{config.name}-best{rank}"
    doc["description"] = f"Rank {rank} of sweep {config.name} by {spec.metric}: {described}"
    doc["strategies"] = [
        {
            "name": entry.name,
            "strategy": _absolute_reference(entry.strategy, config),
            "params": params,
        }
    ]
    if overrides:
        doc["score"] = score_params_for(config.score, overrides).model_dump(mode="json")
    if prices_dir is not None:
        folder = Path(prices_dir).expanduser().resolve().as_posix()
        doc["data"] = {**doc["data"], "source": "csv", "prices_dir": folder}
    return doc


def write_sweep(
    out_dir: str | Path,
    config: RunConfig,
    spec: SweepSpec,
    points: Sequence[Mapping[str, Any]],
    run: SweepRun,
    prices_dir: str | Path | None = None,
) -> list[Path]:
    """Write every output of a sweep to ``out_dir`` (replaced as a whole); returns the files.

    ``prices_dir`` is the sweep's ``--prices-dir``: the ``best/`` configs read the same folder.

    Raises:
        ConfigError: ``out_dir`` exists, is not empty and is not a previous sweep's folder.
    """
    ranked = rank_table(run.table, spec)
    out_dir = Path(out_dir)
    names: list[str] = []
    with atomic_dir(out_dir, marker=MARKER) as tmp:
        safe_frame(ranked).to_csv(tmp / "results.csv", index=False, lineterminator="\n")
        names.append("results.csv")
        if has_parquet():
            ranked.to_parquet(tmp / "results.parquet", index=False)
            names.append("results.parquet")
        (tmp / "top.md").write_text(top_markdown(ranked, spec, config, run), encoding="utf-8")
        names.append("top.md")
        grid = heatmap_grid(ranked, spec)
        if grid is not None and spec.heatmap is not None:
            write_heatmap_png(grid, spec, spec.heatmap, tmp / "heatmap.png")
            write_heatmap_html(grid, spec, spec.heatmap, config, tmp / "heatmap.html")
            names += ["heatmap.png", "heatmap.html"]
        best = top_distinct(ranked, spec.top)
        if not best.empty:
            (tmp / "best").mkdir()
        for index, row in best.iterrows():
            rank = int(row[RANK_COLUMN])
            point = points[int(index)]
            name = str(point.get(STRATEGY_KEY, spec.strategies[0]))
            relative = f"best/{rank:02d}_{name}.yaml"
            doc = best_config(config, point, rank, spec, prices_dir)
            header = f"# {doc['description']}\n# recall-risk run {relative}\n"
            text = header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
            (tmp / relative).write_text(text, encoding="utf-8")
            names.append(relative)
    return [out_dir / n for n in names]
