"""The HTML report: one self-contained page about a resolution run.

Headline figures, the model's m and u and match weight per comparison level, the match
probability histogram, the cluster size distribution, the riskiest clusters (largest, and
held by the weakest links), sample golden profiles with provenance and the blocking rules.
Everything is inline (the figures are SVG from :mod:`singleview.report_plots`, the style and
a few lines of script in the page): it opens offline and can be mailed as one file.  The
page holds values from the data (the sample profiles): treat it like the data.

Example::

    sv.write_report("out/", "out/report.html")   # a directory written by result.save("out/")
    result.report("report.html")                 # or a Result in memory
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .result import Result
from .result_io import load_result_dir
from .schema import PAIR_KEYS
from .why import weakest_links

__all__ = ["write_report"]

logger = logging.getLogger(__name__)

_PAIR_KEYS = list(PAIR_KEYS)
_PAIR_COLUMNS = [*_PAIR_KEYS, "match_weight", "match_probability", "matched_by"]

# Counts every plot's drawn elements and box once the page has laid out, so a headless
# browser's --dump-dom shows whether each figure really rendered.
_SCRIPT = """addEventListener("load",function(){var r={};
document.querySelectorAll("svg.sv-plot").forEach(function(s){var b=s.getBBox(),
c=s.getBoundingClientRect(),n={};["path","line","rect","text","use"].forEach(function(t){
n[t]=s.querySelectorAll(t).length});r[s.id]={width:b.width,height:b.height,
shown_width:c.width,shown_height:c.height,elements:n}});
document.getElementById("sv-render-check").textContent=JSON.stringify(r);
document.body.dataset.rendered="yes"});"""

_STYLE = """
:root{--ink:#2b2f36;--muted:#6b717c;--line:#e3e5e8;--bg:#f6f7f9}*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header{background:#24364f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c7d2e0}nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:10px}
nav a{color:#fff;text-decoration:none;font-size:13px;opacity:.85}
main{max-width:1120px;margin:0 auto;padding:8px 24px 32px}h2{font-size:17px;margin:2px 0 10px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:18px 0;
padding:14px 20px}h3{font-size:14px;margin:14px 0 6px}code{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-bottom:6px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:22px;font-variant-numeric:tabular-nums}
.card span,.from{color:var(--muted);font-size:12px;font-weight:400}.from{font-size:11px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:4px 28px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}th{color:var(--muted)}
th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:6px 0 12px}
svg.sv-plot{display:block;width:100%;height:auto}.note,figcaption{color:var(--muted);font-size:13px}
table.profiles{width:100%}table.profiles td,table.profiles th{padding-right:18px}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _int(value: object) -> str:
    try:
        return f"{int(str(value)):,}"
    except ValueError:
        return _esc(value)


def _table(
    header: list[str] | None, rows: list[list[object]], numeric: tuple[int, ...] = ()
) -> str:
    """An HTML table (``header`` None: no head row); every cell is escaped, columns in
    ``numeric`` aligned right."""

    def cell(tag: str, k: int, value: object) -> str:
        css = ' class="n"' if k in numeric else ""
        return f"<{tag}{css}>{_esc(value)}</{tag}>"

    head = (
        ""
        if header is None
        else "<thead><tr>"
        + "".join(cell("th", k, h) for k, h in enumerate(header))
        + "</tr></thead>"
    )
    body = "".join(
        "<tr>" + "".join(cell("td", k, v) for k, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def _pandas(frame: Any, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a pandas or Spark frame (or None) as pandas."""
    if frame is None:
        return pd.DataFrame({c: [] for c in columns})
    if isinstance(frame, pd.DataFrame):
        return frame.reindex(columns=columns)
    return frame.select(*columns).toPandas()  # type: ignore[no-any-return]


def _headline(result: Result, stats: dict[str, Any], sizes: pd.Series) -> str:
    resolved = result.resolved_per_source()
    quarantined, reasons = result.quarantine_counts()
    seconds = {str(k): float(v) for k, v in stats.get("seconds", {}).items()}
    cards = [
        ("records in", _int(sum(result.rows_in.values()))),
        ("resolved", _int(result.n_clustered())),
        ("quarantined", _int(sum(reasons.values()))),
        ("candidate pairs", _int(stats.get("candidate_pairs", 0))),
        ("links", _int(stats.get("edges", 0))),
        ("customers", _int(result.n_customers())),
        ("largest customer", _int(int(sizes.max()) if len(sizes) else 0) + " records"),
        ("run time", f"{sum(seconds.values()):.1f} s"),
    ]
    parts = [
        '<div class="cards">'
        + "".join(f"<div class='card'><b>{v}</b><span>{_esc(k)}</span></div>" for k, v in cards)
        + "</div><div class='cols'><div><h3>Records per source</h3>"
    ]
    parts.append(
        _table(
            ["source", "rows in", "resolved", "quarantined"],
            [
                [s, _int(n), _int(resolved.get(s, 0)), _int(quarantined.get(s, 0))]
                for s, n in result.rows_in.items()
            ],
            numeric=(1, 2, 3),
        )
    )
    parts.append("<h3>Quarantined by reason</h3>")
    parts.append(
        _table(["reason", "rows"], [[r, _int(n)] for r, n in reasons.items()], numeric=(1,))
        if reasons
        else "<p class='note'>none</p>"
    )
    if len(result.issues):
        totals = result.issues.groupby(["field", "reason"])["count"].sum().reset_index()
        totals = totals.sort_values(["count", "field"], ascending=[False, True], kind="mergesort")
        parts.append("<h3>Values cleaned to null</h3>")
        rows = [[f, r, _int(c)] for f, r, c in totals.itertuples(index=False)]
        parts.append(_table(["field", "reason", "values"], rows, numeric=(2,)))
    parts.append("</div><div><h3>Model and clusters</h3>")
    model_rows: list[list[object]] = [["match threshold", f"{result.threshold:g}"]]
    if result.model is not None:
        model_rows.append(["prior match rate among candidates", f"{result.model.lambda_:.4f}"])
    model_rows += [
        ["links (pairs at or above the threshold)", _int(stats.get("edges", 0))],
        ["components rebuilt by the over-merge guard", _int(stats.get("components_rebuilt", 0))],
        ["cannot-link rules applied", ", ".join(stats.get("cannot_link", [])) or "none"],
        ["names read from e-mail handles", _int(stats.get("names_from_email", 0))],
        ["largest clusters", ", ".join(str(v) for v in result.cluster_sizes(8))],
    ]
    parts.append(_table(None, model_rows))
    if seconds:
        parts.append("<h3>Time per stage</h3>")
        rows = [[k, f"{v:.2f} s"] for k, v in seconds.items()]
        peaks = stats.get("peak_mib", {})
        if peaks:
            rows.append(["peak memory", f"{max(int(v) for v in peaks.values()):,} MiB"])
        parts.append(_table(["stage", "time"], rows, numeric=(1,)))
    parts.append("</div></div>")
    return "".join(parts)


def _risky(result: Result, clusters: pd.DataFrame, pairs: pd.DataFrame, top: int) -> str:
    weak = weakest_links(clusters, pairs, result.threshold)
    if not len(weak):
        return "<p class='note'>every customer is a single record.</p>"

    def rows(frame: pd.DataFrame) -> list[list[object]]:
        out: list[list[object]] = []
        for row in frame.to_dict("records"):
            held = bool(pd.notna(row["weakest_weight"]))
            out.append(
                [
                    row["customer_id"],
                    _int(row["n_records"]),
                    _int(row["n_links"]),
                    _int(row["bridges"]),
                    f"{row['weakest_left']} – {row['weakest_right']}" if held else "no link inside",
                    f"{row['weakest_weight']:.2f}" if held else "–",
                    f"{row['weakest_probability']:.4f}" if held else "–",
                ]
            )
        return out

    header = ["customer", "records", "links", "bridges", "weakest link", "weight", "probability"]
    largest = weak.sort_values(
        ["n_records", "customer_id"], ascending=[False, True], kind="mergesort"
    ).head(top)
    return (
        "<p class='note'>A customer's <em>weakest link</em> is the weakest pair on its "
        "strongest spanning tree: the one match that, were it wrong, would wrongly join two "
        "groups of records. A <em>bridge</em> is a link whose removal alone splits the "
        "customer. A customer with no link inside was joined by a rule or by hand. "
        "Records are shown as <code>source:source_id</code>; <code>result.why(customer_id)"
        "</code> lists every pair.</p>"
        f"<h3>Largest customers</h3>{_table(header, rows(largest), (1, 2, 3, 5, 6))}"
        f"<h3>Weakest links</h3>{_table(header, rows(weak.head(top)), (1, 2, 3, 5, 6))}"
    )


def _value(value: Any) -> str | None:
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(str(v) for v in value) or None
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def _profiles(result: Result, count: int) -> str:
    chosen = result.top_profiles(count)
    if not len(chosen):
        return "<p class='note'>no customers.</p>"
    fields = [
        c
        for c in chosen.columns
        if f"{c}__source" in chosen.columns and any(_value(v) is not None for v in chosen[c])
    ]
    head = "".join(
        f"<th>customer {_esc(row['customer_id'])}<br><span class='from'>"
        f"{_int(row['n_records'])} records from {_esc(row.get('sources', ''))}</span></th>"
        for _, row in chosen.iterrows()
    )
    body = []
    for field in fields:
        cells = []
        for _, row in chosen.iterrows():
            value = _value(row[field])
            cells.append(
                "<td></td>"
                if value is None
                else f"<td>{_esc(value)}<br><span class='from'>"
                f"{_esc(row[f'{field}__source'])}:{_esc(row[f'{field}__source_id'])}</span></td>"
            )
        body.append(f"<tr><th>{_esc(field)}</th>{''.join(cells)}</tr>")
    return (
        "<p class='note'>The golden profiles of the largest customers: each field's surviving "
        "value and, under it, the record it came from (<code>source:source_id</code>).</p>"
        f"<table class='profiles'><thead><tr><th>field</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _blocking_cell(column: str, value: Any) -> object:
    if column == "rule":
        return value
    if column == "used":
        return "yes" if bool(value) else "dropped"
    if column == "link_rate":
        return "–" if pd.isna(value) else f"{float(value):.3f}"
    return _int(value)


def _blocking_table(blocking: pd.DataFrame) -> str:
    wanted = ("rule", "blocks", "records", "pairs", "new_pairs", "skipped_blocks", "link_rate")
    columns = [c for c in (*wanted, "used") if c in blocking.columns]
    rows = [[_blocking_cell(c, row[c]) for c in columns] for row in blocking.to_dict("records")]
    numeric = tuple(k for k, c in enumerate(columns) if c not in ("rule", "used"))
    return _table([c.replace("_", " ") for c in columns], rows, numeric)


def _page(result: Result, *, profiles: int, top: int) -> tuple[str, int]:
    from . import __version__
    from .report_plots import blocking_svg, cluster_size_svg, model_svg, probability_svg

    stats = json.loads(json.dumps(result.stats, default=str))
    clusters = _pandas(result.clusters, ["source", "source_id", "customer_id"])
    pairs = _pandas(result.pairs, _PAIR_COLUMNS)
    sizes = clusters.groupby("customer_id", sort=True).size()
    probability = pairs["match_probability"].to_numpy(dtype=np.float64)
    links = int((probability >= result.threshold).sum())
    sections = [("headline", "Headline figures", _headline(result, stats, sizes))]
    if result.model is not None:
        caption = (
            "Per comparison level: <b>m</b>, how often true matches are at that level, "
            "and <b>u</b>, how often random non-matching pairs are (left); the match weight "
            "log2(m/u) the level adds to a pair's score (right: green for, red against a "
            f"match). Prior match rate among candidates {result.model.lambda_:.4f}."
        )
        body = _figure(model_svg(result.model), caption)
    else:
        body = "<p class='note'>No model: fewer than two records were resolved.</p>"
    sections.append(("model", "The model: m, u and match weights", body))
    caption = (
        f"{_int(len(probability))} scored pairs kept (the pairs floor drops the least likely); "
        f"{_int(links)} at or above the threshold {result.threshold:g} are links. "
        "Pairs matched by a deterministic rule have probability 1."
    )
    sections.append(
        (
            "probability",
            "Match probability of the scored pairs",
            _figure(probability_svg(probability, result.threshold), caption),
        )
    )
    singles = int((sizes == 1).sum())
    caption = (
        f"{_int(len(sizes))} customers: {_int(singles)} of a single record, "
        f"{_int(len(sizes) - singles)} of two or more; largest "
        f"{_int(int(sizes.max()) if len(sizes) else 0)} records."
    )
    sections.append(
        ("sizes", "Cluster sizes", _figure(cluster_size_svg(sizes.reset_index(drop=True)), caption))
    )
    sections.append(("risky", "Riskiest clusters", _risky(result, clusters, pairs, top)))
    sections.append(("profiles", "Sample golden profiles", _profiles(result, profiles)))
    caption = (
        "Candidate pairs per blocking rule (pale) and the pairs no earlier rule had found "
        "(dark); rules the probe dropped for finding too few links in grey."
    )
    sections.append(
        (
            "blocking",
            "Blocking rules",
            _figure(blocking_svg(result.blocking), caption) + _blocking_table(result.blocking),
        )
    )
    nav = "".join(f"<a href='#{key}'>{_esc(title)}</a>" for key, title, _ in sections)
    body = "".join(
        f"<section id='{key}'><h2>{_esc(title)}</h2>{content}</section>"
        for key, title, content in sections
    )
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>singleview report</title><style>{_STYLE}</style></head><body>"
        "<header><h1>singleview report</h1><p>"
        f"{_int(sum(result.rows_in.values()))} records from {len(result.rows_in)} sources "
        f"resolved into {_int(result.n_customers())} customers</p><nav>{nav}</nav></header>"
        f"<main>{body}<p class='note'>Written by singleview {_esc(__version__)}. This page "
        "is self-contained and shows values from the data: share it like the data.</p>"
        "</main><pre id='sv-render-check' hidden></pre>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
    return page, page.count('<svg class="sv-plot"')


def write_report(
    source: Result | str | Path, out: str | Path, *, profiles: int = 3, top: int = 10
) -> Path:
    """Write the HTML report of a result to ``out`` and return its path.

    Parameters:
        source: a :class:`~singleview.Result`, or a directory written by ``Result.save``
            (or ``singleview resolve --out``).
        out: the HTML file to write (its directory is created).
        profiles: how many golden profiles to show (the largest customers).
        top: how many customers each riskiest-clusters table lists.

    Needs matplotlib (``pip install 'singleview[report]'``); the same result gives the same
    bytes, whether in memory or saved.
    """
    result = source if isinstance(source, Result) else load_result_dir(Path(source))
    page, figures = _page(result, profiles=profiles, top=top)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    logger.info("report written: %d figures, %d bytes", figures, len(page.encode("utf-8")))
    return path
