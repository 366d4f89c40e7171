"""Synthetic data sets with ground truth, for demos, tests and benchmarks.

:func:`generate` builds a seeded, multi-source UK customer world (CRM, web, call centre,
store) with realistic noise and hard negatives; see :mod:`singleview.datasets.synthetic`
for the rates.

>>> from singleview.datasets import generate
>>> data = generate(2_000, random_state=7)
>>> sorted(data.frames)
['call_centre', 'crm', 'store', 'web']
"""

from __future__ import annotations

from singleview.datasets.synthetic import SyntheticData, generate

__all__ = ["SyntheticData", "generate"]
