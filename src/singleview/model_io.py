"""Saving and loading a fitted Fellegi-Sunter model as JSON.

The file holds every comparison with its levels, m and u, the match rate and prior, the
location groups and the term-frequency tables.  Those tables hold values from the data
(names, e-mails): treat a model file like the data it was trained on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from .comparisons import Comparison
from .errors import ConfigError

if TYPE_CHECKING:
    from .model import FellegiSunter

__all__ = ["MODEL_FORMAT", "model_from_json", "model_to_json"]

MODEL_FORMAT = 1


class _LevelParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    column: str
    kind: str
    tf_adjust: bool
    labels: list[str]
    m: list[float]
    u: list[float]


class _ModelData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    format: int
    lambda_: float
    prior: float
    comparisons: list[_LevelParams]
    tf: dict[str, dict[str, float]]
    random_state: int
    em_iterations: int
    groups: list[list[str]]
    distinguish: list[str] = []
    family: list[str] = []
    source_priors: dict[str, float] = {}
    tf_u: list[float]


def model_to_json(model: FellegiSunter, *, tf: bool = True) -> str:
    """A fitted model as JSON text (``tf=False`` leaves the term-frequency tables out, for
    a caller that keeps them elsewhere, as the identity store does)."""
    data = _ModelData(
        format=MODEL_FORMAT,
        lambda_=model.lambda_,
        prior=model.prior_,
        comparisons=[
            _LevelParams(
                column=c.column,
                kind=c.kind,
                tf_adjust=c.tf_adjust,
                labels=list(c.labels),
                m=m.tolist(),
                u=u.tolist(),
            )
            for c, m, u in zip(model.comparisons, model.m_, model.u_, strict=True)
        ],
        tf=(
            {k: {str(i): float(v) for i, v in s.items()} for k, s in model.tf_.items()}
            if tf
            else {}
        ),
        random_state=model.random_state,
        em_iterations=model.n_iterations_,
        groups=[list(g) for g in model.groups],
        distinguish=list(model.distinguish),
        family=list(model.family),
        source_priors=dict(model.source_priors_),
        tf_u=model.tf_u_,
    )
    return data.model_dump_json(indent=1)


def model_from_json(text: str) -> FellegiSunter:
    """A fitted model from :func:`model_to_json` output."""
    from .model import FellegiSunter

    data = _ModelData.model_validate(json.loads(text))
    if data.format != MODEL_FORMAT:
        raise ConfigError(f"model format {data.format} is not supported (expected {MODEL_FORMAT})")
    model = FellegiSunter(
        [Comparison(p.column, p.kind, p.tf_adjust) for p in data.comparisons],
        random_state=data.random_state,
        groups=data.groups,
        distinguish=data.distinguish,
        family=data.family,
    )
    model.m_ = [np.asarray(p.m) for p in data.comparisons]
    model.u_ = [np.asarray(p.u) for p in data.comparisons]
    model.lambda_ = data.lambda_
    model.prior_ = data.prior
    model.n_iterations_ = data.em_iterations
    model.tf_u_ = list(data.tf_u)
    model.source_priors_ = dict(data.source_priors)
    model.tf_ = {k: pd.Series(v, dtype=np.float64) for k, v in data.tf.items()}
    model.tf_sizes_ = {}
    return model
