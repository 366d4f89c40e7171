"""The HTML report's figures: matplotlib drawn straight to SVG text, to inline in the page.

Every function returns one ``<svg class="sv-plot" id="...">`` element.  The SVG keeps its
text as text (``svg.fonttype='none'``: no embedded glyphs or font files), names only a
generic font family, carries no metadata or external reference, and has every internal id
prefixed with the figure's id so several figures live in one page; ``svg.hashsalt`` is
fixed, so the same inputs give the same bytes.  matplotlib is imported inside the functions
(the ``report`` extra): ``import singleview`` works without it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .model import FellegiSunter

__all__ = ["blocking_svg", "cluster_size_svg", "model_svg", "probability_svg"]

M_COLOUR = "#3b6ea8"
U_COLOUR = "#e08a3c"
AGREE_COLOUR = "#3f8f5b"
DISAGREE_COLOUR = "#c0504d"
MUTED_COLOUR = "#a8acb3"
INK = "#2b2f36"

_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": ["sans-serif"],
    # The layout is measured with DejaVu Sans (shipped with matplotlib); a browser without
    # it falls back to the generic family, which is narrower, so labels never collide.
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": "#8a8f98",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "axes.grid": True,
    "grid.color": "#e3e5e8",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
}


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    """A figure outside pyplot (no global state, nothing to close) with the report style."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ConfigError(
            "the HTML report draws its plots with matplotlib, which is not installed: "
            "pip install 'singleview[report]'"
        ) from exc
    with matplotlib.rc_context(_RC):
        yield Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Figure, figure_id: str) -> str:
    """The figure as an inline ``<svg>``: no XML prologue or metadata, ids prefixed."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"singleview-{figure_id}"}):
        FigureCanvasSVG(figure)
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="', f'id="{figure_id}-', text)
    text = re.sub(r'href="#', f'href="#{figure_id}-', text)
    text = text.replace("url(#", f"url(#{figure_id}-")
    return text.replace("<svg ", f'<svg class="sv-plot" id="{figure_id}" role="img" ', 1)


#: Where log-scale bars start (below one, so a count of one still shows).
_BASE = 0.6


def _log_bars(axes: Axes, x: np.ndarray, counts: np.ndarray, width: Any, **style: Any) -> None:
    """Vertical bars on a log count axis, drawn from :data:`_BASE` (not from zero, which a
    log axis sends to minus infinity)."""
    height = np.where(counts > 0, counts - _BASE, 0.0)
    axes.bar(x, height, width=width, bottom=_BASE, align="edge", **style)


def _log_scale(axis: Any, set_scale: Any, set_limits: Any, largest: float) -> None:
    """A log count axis from :data:`_BASE`, labelled with plain numbers (1, 10, 100)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    set_scale("log")
    set_limits(_BASE, max(largest, 1.0) * 2.5)
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else ""))
    axis.set_minor_formatter(NullFormatter())


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def model_svg(model: FellegiSunter, figure_id: str = "sv-model") -> str:
    """m and u per comparison level next to the level's match weight log2(m/u): one pair of
    panels per comparison, two comparisons per row."""
    comparisons = list(model.comparisons)
    per_row = 2
    rows = [comparisons[i : i + per_row] for i in range(0, len(comparisons), per_row)]
    heights = [max(len(c.labels) for c in row) for row in rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = [
            np.log2(np.asarray(m) / np.asarray(u)) for m, u in zip(model.m_, model.u_, strict=True)
        ]
    finite = np.concatenate([np.abs(w[np.isfinite(w)]) for w in weights] + [np.ones(1)])
    span = float(finite.max())
    with _figure(10.5, 0.55 + sum(0.2 * h + 0.62 for h in heights)) as figure:
        grid = figure.add_gridspec(
            len(rows), 2 * per_row, height_ratios=heights, width_ratios=[1.0, 0.8] * per_row
        )
        for k, comparison in enumerate(comparisons):
            row, slot = divmod(k, per_row)
            m = np.asarray(model.m_[k], dtype=np.float64)
            u = np.asarray(model.u_[k], dtype=np.float64)
            weight = weights[k]
            labels = [str(label) for label in comparison.labels]
            y = np.arange(len(labels), dtype=np.float64)
            left = figure.add_subplot(grid[row, 2 * slot])
            right = figure.add_subplot(grid[row, 2 * slot + 1], sharey=left)
            left.barh(y - 0.2, m, height=0.4, color=M_COLOUR, label="m (matches)")
            left.barh(y + 0.2, u, height=0.4, color=U_COLOUR, label="u (non-matches)")
            left.set_yticks(y, labels)
            # every row's panels share one bar thickness: short comparisons leave room below
            left.set_ylim(heights[row] - 0.5, -0.5)
            left.set_xlim(0, 1)
            left.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
            left.grid(axis="y", visible=False)
            left.set_title(comparison.column)
            shown = np.where(np.isfinite(weight), weight, 0.0)
            colours = [AGREE_COLOUR if w >= 0 else DISAGREE_COLOUR for w in shown]
            right.barh(y, shown, height=0.6, color=colours)
            right.axvline(0, color=INK, linewidth=0.6)
            right.tick_params(axis="y", left=False, labelleft=False)
            right.grid(axis="y", visible=False)
            right.set_xlim(-span * 1.3, span * 1.45)
            for yy, w, raw in zip(y, shown, weight, strict=True):
                text = f"{raw:+.1f}" if np.isfinite(raw) else "n/a"
                right.text(
                    w + (0.04 if w >= 0 else -0.04) * span,
                    yy,
                    text,
                    va="center",
                    ha="left" if w >= 0 else "right",
                    fontsize=7.5,
                    clip_on=False,
                )
            if row == len(rows) - 1 or k + per_row >= len(comparisons):
                left.set_xlabel("probability")
                right.set_xlabel("weight log2(m/u)")
        handles, names = figure.axes[0].get_legend_handles_labels()
        figure.legend(handles, names, loc="outside upper right", ncols=2)
        return _svg(figure, figure_id)


def probability_svg(
    probability: np.ndarray, threshold: float, figure_id: str = "sv-probability"
) -> str:
    """A histogram of the pairs' match probabilities (log counts), links in colour, with
    the threshold marked."""
    values = np.asarray(probability, dtype=np.float64)
    values = values[np.isfinite(values)]
    with _figure(10.5, 3.3) as figure:
        axes = figure.add_subplot()
        if not len(values):
            _empty(axes, "no scored pairs")
            return _svg(figure, figure_id)
        # The threshold is a bin edge, so no bar mixes links with pairs below it.
        edges = np.linspace(0.0, 1.0, 51)
        edges = np.union1d(edges[np.abs(edges - threshold) > 1e-9], [threshold])
        counts, _ = np.histogram(values, bins=edges)
        lower, widths = edges[:-1], np.diff(edges)
        linked = lower >= threshold - 1e-12
        for chosen, colour, label in (
            (~linked, MUTED_COLOUR, "below the threshold"),
            (linked, M_COLOUR, "links"),
        ):
            _log_bars(
                axes,
                lower[chosen],
                counts[chosen],
                widths[chosen],
                color=colour,
                edgecolor="white",
                linewidth=0.4,
                label=label,
            )
        _log_scale(axes.yaxis, axes.set_yscale, axes.set_ylim, float(counts.max()))
        axes.axvline(threshold, color=DISAGREE_COLOUR, linewidth=1.4, linestyle="--")
        axes.annotate(
            f"threshold {threshold:g}",
            xy=(threshold, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            color=DISAGREE_COLOUR,
        )
        axes.set_xlim(0, 1)
        axes.set_xlabel("match probability")
        axes.set_ylabel("pairs (log scale)")
        axes.grid(axis="x", visible=False)
        axes.legend(loc="upper left")
        return _svg(figure, figure_id)


def cluster_size_svg(sizes: pd.Series, figure_id: str = "sv-sizes") -> str:
    """Customers by their number of records (log counts); ``sizes`` is one size per
    customer."""
    values = np.asarray(sizes, dtype=np.int64)
    with _figure(10.5, 2.6) as figure:
        axes = figure.add_subplot()
        if not len(values):
            _empty(axes, "no customers")
            return _svg(figure, figure_id)
        largest = int(values.max())
        if largest <= 60:
            size, count = np.unique(values, return_counts=True)
            _log_bars(axes, size - 0.4, count, 0.8, color=M_COLOUR)
            step = max(1, int(np.ceil(largest / 20)))
            axes.set_xticks(np.arange(1, largest + 1, step))
            axes.set_xlim(0.4, largest + 0.6)
        else:
            edges = np.unique(np.geomspace(1, largest + 1, 40).astype(np.int64))
            counts, _ = np.histogram(values, bins=edges)
            _log_bars(axes, edges[:-1], counts, np.diff(edges), color=M_COLOUR)
            axes.set_xscale("log")
            count = counts
        _log_scale(axes.yaxis, axes.set_yscale, axes.set_ylim, float(np.max(count)))
        axes.set_xlabel("records per customer")
        axes.set_ylabel("customers (log scale)")
        axes.grid(axis="x", visible=False)
        return _svg(figure, figure_id)


def blocking_svg(blocking: pd.DataFrame, figure_id: str = "sv-blocking") -> str:
    """Per blocking rule, the candidate pairs it found and how many of them were new;
    rules the probe dropped in grey."""
    rules = [str(r) for r in blocking["rule"]] if len(blocking) else []
    with _figure(10.5, 0.9 + 0.24 * max(len(rules), 2)) as figure:
        axes = figure.add_subplot()
        if not rules:
            _empty(axes, "no blocking rules")
            return _svg(figure, figure_id)
        y = np.arange(len(rules), dtype=np.float64)
        pairs = blocking["pairs"].to_numpy(dtype=np.float64)
        new = blocking["new_pairs"].to_numpy(dtype=np.float64)
        used = (
            blocking["used"].astype(bool).to_numpy()
            if "used" in blocking
            else np.ones(len(rules), dtype=bool)
        )
        shown = np.maximum(pairs - _BASE, 0)
        axes.barh(y, shown, left=_BASE, height=0.75, color="#c9d6e8", label="pairs")
        axes.barh(
            y,
            np.where(used, np.maximum(new - _BASE, 0), 0),
            left=_BASE,
            height=0.45,
            color=M_COLOUR,
            label="new pairs",
        )
        if (~used).any():
            axes.barh(
                y[~used],
                shown[~used],
                left=_BASE,
                height=0.75,
                color="#e4e4e4",
                label="dropped by the probe",
            )
        _log_scale(axes.xaxis, axes.set_xscale, axes.set_xlim, float(pairs.max()))
        axes.set_yticks(y, rules)
        axes.set_ylim(len(rules) - 0.5, -0.5)
        axes.set_xlabel("candidate pairs (log scale)")
        axes.grid(axis="y", visible=False)
        axes.legend(loc="upper right")
        return _svg(figure, figure_id)
