"""Text summaries of a result, for the CLI, the demo and logs-free inspection."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .schema import CANONICAL_FIELDS

if TYPE_CHECKING:
    from .result import Result

__all__ = ["summary_text"]

_PROFILE_FIELDS = [f for f in CANONICAL_FIELDS if f not in ("source", "source_id", "updated_at")]


def _table(frame: pd.DataFrame) -> list[str]:
    text = frame.to_string(index=False)
    return ["  " + line for line in text.splitlines()]


def summary_text(result: Result, *, profiles: int = 3) -> str:
    """Records in per source, quarantine reasons, cleaned values, pairs, customers, profiles."""
    lines: list[str] = []
    resolved = result.resolved_per_source()
    quarantined, reasons = result.quarantine_counts()
    per_source = pd.DataFrame(
        {
            "source": list(result.rows_in),
            "rows in": list(result.rows_in.values()),
            "resolved": [int(resolved.get(s, 0)) for s in result.rows_in],
            "quarantined": [int(quarantined.get(s, 0)) for s in result.rows_in],
        }
    )
    total_in = int(per_source["rows in"].sum())
    lines.append(f"singleview: {total_in:,} records in from {len(per_source)} sources")
    lines += _table(per_source)

    lines.append("")
    if reasons:
        lines.append(
            "quarantined by reason: "
            + ", ".join(f"{reason} {count:,}" for reason, count in reasons.items())
        )
    else:
        lines.append("quarantined: none")
    if len(result.issues):
        totals = result.issues.groupby(["field", "reason"])["count"].sum().reset_index()
        issues = totals.sort_values("count", ascending=False, kind="mergesort")
        described = [
            f"{f} {r} {int(c):,}"
            for f, r, c in zip(issues["field"], issues["reason"], issues["count"], strict=True)
        ]
        lines.append("values cleaned to null: " + ", ".join(described))

    skipped = int(result.blocking["skipped_blocks"].sum()) if len(result.blocking) else 0
    used = result.blocking.get("used", None)
    dropped = [] if used is None else result.blocking.loc[~used.astype(bool), "rule"].tolist()
    lines.append(
        f"candidate pairs: {result.stats.get('candidate_pairs', 0):,} from "
        f"{len(result.blocking) - len(dropped)} blocking rules ({skipped} oversized blocks "
        "skipped"
        + (
            f"; {len(dropped)} broad rules dropped by the probe, too few links: "
            + ", ".join(dropped)
            if dropped
            else ""
        )
        + ")"
    )
    sizes = result.cluster_sizes(5)
    n_customers = result.n_customers()
    lines.append(
        f"customers out: {n_customers:,} from {result.n_clustered():,} "
        f"records; largest clusters: {', '.join(str(v) for v in sizes)}"
    )
    if result.model is not None:
        lines.append(
            f"model: prior match rate among candidates {result.model.lambda_:.4f}, "
            f"threshold {result.threshold}, {result.stats.get('edges', 0):,} links, "
            f"{result.stats.get('names_from_email', 0):,} names read from e-mail handles, "
            f"{result.stats.get('components_rebuilt', 0):,} components rebuilt by the "
            "over-merge guard (cannot-link: "
            + (", ".join(result.stats.get("cannot_link", [])) or "none")
            + ")"
        )
    seconds = result.stats.get("seconds", {})
    if seconds:
        lines.append("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
    peaks = result.stats.get("peak_mib", {})
    if peaks:
        lines.append(f"memory: peak {max(peaks.values()):,} MiB")

    if profiles and n_customers:
        lines.append("")
        lines.append(
            f"{min(profiles, n_customers)} golden profiles (largest first), "
            "each field with its source record:"
        )
        chosen = result.top_profiles(profiles)
        for _, row in chosen.iterrows():
            lines.append(
                f"  customer {row['customer_id']}  ({row['n_records']} records from "
                f"{row['sources']})"
            )
            for field in _PROFILE_FIELDS:
                value = row.get(field)
                if value is None or (not isinstance(value, tuple) and pd.isna(value)):
                    continue
                if isinstance(value, pd.Timestamp):
                    value = value.date().isoformat()
                lines.append(
                    f"    {field:<13} {value!s:<32} <- {row[field + '__source']}:"
                    f"{row[field + '__source_id']}"
                )
    return "\n".join(lines)
