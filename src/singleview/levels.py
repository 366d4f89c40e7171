"""Comparison levels: their names per kind, and the prior beliefs in m and u for each.

Level 0 is always ``else`` (disagreement); higher levels are stronger agreement.  The priors
are pseudo-counts: they decide only where the data says little (a comparison seldom known
on both sides of a match, or a handful of records), and the data overrides them elsewhere.
"""

from __future__ import annotations

__all__ = ["LABELS", "M_PRIORS", "U_PRIORS"]

LABELS: dict[str, tuple[str, ...]] = {
    "first_name": ("else", "initial", "jw>=0.80", "jw>=0.92", "nickname", "swapped", "exact"),
    "last_name": ("else", "jw>=0.80", "jw>=0.92", "exact"),
    "middle_name": ("else", "initial", "exact"),
    "name": ("else", "jw>=0.80", "token_sort>=0.90", "exact"),
    "date": (
        "else",
        "within_10_years",
        "within_1_year",
        "within_1_month",
        "one_edit",
        "day_month_swapped",
        "exact",
    ),
    "email": ("else", "one_edit", "same_key", "exact"),
    "phone": ("else", "one_edit", "same_last_8", "exact"),
    "postcode": ("else", "same_outward", "one_edit", "exact"),
    "city": ("else", "jw>=0.88", "exact"),
    "address": ("else", "token_sort>=0.75", "token_sort>=0.90", "exact"),
    "identifier": ("else", "one_edit", "exact"),
    "exact": ("else", "exact"),
    "text": ("else", "jw>=0.90", "exact"),
}


#: Prior belief in m (share of true matches on each level), used as pseudo-counts by EM so
#: that a comparison seldom known on both sides of a match keeps sensible weights.
M_PRIORS: dict[str, tuple[float, ...]] = {
    "first_name": (0.03, 0.02, 0.03, 0.07, 0.05, 0.01, 0.79),
    "last_name": (0.05, 0.03, 0.07, 0.85),
    "middle_name": (0.10, 0.20, 0.70),
    "name": (0.05, 0.10, 0.10, 0.75),
    "date": (0.005, 0.01, 0.03, 0.03, 0.10, 0.025, 0.80),
    "email": (0.25, 0.05, 0.05, 0.65),
    "phone": (0.35, 0.02, 0.03, 0.60),
    "postcode": (0.15, 0.05, 0.05, 0.75),
    "city": (0.10, 0.05, 0.85),
    "address": (0.20, 0.10, 0.10, 0.60),
    "identifier": (0.05, 0.05, 0.90),
    "exact": (0.10, 0.90),
    "text": (0.20, 0.10, 0.70),
}


def _with_else(*rest: float) -> tuple[float, ...]:
    return (1.0 - sum(rest), *rest)


#: Prior belief in u (share of random record pairs on each level), worth a thousand random
#: pairs: it decides only when the data has too few records to sample (a handful of rows).
U_PRIORS: dict[str, tuple[float, ...]] = {
    "first_name": _with_else(0.005, 0.02, 0.005, 0.002, 1e-4, 0.01),
    "last_name": _with_else(0.02, 0.003, 0.005),
    "middle_name": _with_else(0.05, 0.02),
    "name": _with_else(0.02, 0.002, 0.001),
    "date": _with_else(0.25, 0.03, 0.002, 0.002, 1e-5, 1e-4),
    "email": _with_else(0.001, 1e-6, 1e-5),
    "phone": _with_else(1e-4, 1e-6, 1e-5),
    "postcode": _with_else(0.01, 0.005, 0.001),
    "city": _with_else(0.01, 0.05),
    "address": _with_else(0.01, 0.001, 1e-4),
    "identifier": _with_else(1e-4, 1e-5),
    "exact": _with_else(0.5),
    "text": _with_else(0.02, 0.05),
}
