"""Splink 5 (DuckDB backend) on the benchmark datasets, configured from Splink's docs.

One settings block per dataset kind, each following a page of Splink's documentation:

- ``febrl4``: ``demos/examples/duckdb/febrl4`` (the "detailed" model, ``link_only``);
- ``febrl3``: ``demos/examples/duckdb/febrl3`` (``dedupe_only``);
- ``fake_1000``: ``demos/examples/duckdb/accuracy_analysis_from_labels_column``
  (``dedupe_only``; the docs' fake_1000 model that is evaluated against its labels);
- ``synthetic``: ``demos/examples/duckdb/deduplicate_50k_synthetic`` for the model and
  training, ``link_and_dedupe`` over the four sources after
  :func:`~benchmarks.peers.common.standardise_synthetic` (the link-type topic guide: several
  inputs of one schema that need linking and deduplicating), e-mail and phone arrays
  compared and blocked on as in the array topic guides.

Every run: estimate ``probability_two_random_records_match`` from deterministic rules, u by
random sampling, m by expectation maximisation on the docs' blocking rules, predict, then
``cluster_pairwise_predictions_at_threshold(..., 0.5)``.  ``candidate_pairs`` is the row
count of ``linker.inference.compute_blocked_pairs_for_predict()``: the exact set of pairs
``predict()`` scores (it reuses that cached table), at the cost of one ``count(*)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from benchmarks.datasets import Dataset
from benchmarks.peers.common import (
    PeerResult,
    clusters_frame,
    read_fake_1000,
    read_febrl_frame,
    standardise_synthetic,
)

if TYPE_CHECKING:
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

    Rule = str | BlockingRuleCreator

#: Pairs at or above this match probability are clustered together.
CLUSTER_THRESHOLD = 0.5


@dataclass(frozen=True)
class _Plan:
    """One dataset kind's Splink model and training recipe."""

    settings: SettingsCreator
    deterministic_rules: list[Rule]
    recall: float
    u_max_pairs: float
    em_rules: list[Rule]
    notes: str
    u_seed: int | None = None
    em_without_tf: bool = True
    predict_args: dict[str, float] = field(default_factory=dict)


def run(ds: Dataset) -> PeerResult:
    """Read ``ds``, train Splink as its docs do, predict, cluster at 0.5."""
    frames, uid = _input_frames(ds)
    plan = _PLANS[ds.kind]()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    db_api = DuckDBAPI(connection=con)
    tables = [
        db_api.register(_prepare_table(con, ds.kind, frame), dataset_display_name=name)
        for name, frame in frames.items()
    ]
    linker = Linker(tables if len(tables) > 1 else tables[0], plan.settings, log_level="WARNING")
    _train(linker, plan)
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    (pairs,) = con.execute(f"select count(*) from {blocked.physical_name}").fetchall()[0]
    predictions = linker.inference.predict(**plan.predict_args, warning_mode="never")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, CLUSTER_THRESHOLD
    )
    found = _cluster_ids(con, clusters.physical_name, uid)
    con.close()
    return PeerResult(_clusters(found, frames, uid), int(pairs), plan.notes)


def _train(linker: Linker, plan: _Plan) -> None:
    training = linker.training
    training.estimate_probability_two_random_records_match(
        plan.deterministic_rules, recall=plan.recall
    )
    training.estimate_u_using_random_sampling(max_pairs=plan.u_max_pairs, seed=plan.u_seed)
    for rule in plan.em_rules:
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=plan.em_without_tf
        )


def _input_frames(ds: Dataset) -> tuple[dict[str, pd.DataFrame], str]:
    """The input tables (display name -> frame) and their unique id column."""
    if ds.kind in ("febrl4", "febrl3"):
        return {name: read_febrl_frame(path) for name, path in ds.files.items()}, "rec_id"
    if ds.kind == "fake_1000":
        return {name: read_fake_1000(path) for name, path in ds.files.items()}, "unique_id"
    flat = standardise_synthetic(ds.files)
    by_source = {str(name): part for name, part in flat.groupby("source_dataset", sort=False)}
    return by_source, "unique_id"


def _prepare_table(con: duckdb.DuckDBPyConnection, kind: str, frame: pd.DataFrame) -> Any:
    """The table handed to Splink: for synthetic, with the ``emails`` and ``phones`` arrays
    (all of a record's addresses / numbers) that the e-mail and phone comparisons and the
    exploding blocking rules use."""
    if kind != "synthetic":
        return frame
    return con.from_df(frame).project(
        "*, "
        "nullif(list_filter([email, email_2], lambda x: x is not null), []) as emails, "
        "nullif(list_filter([phone, phone_2], lambda x: x is not null), []) as phones"
    )


def _cluster_ids(con: duckdb.DuckDBPyConnection, table: str, uid: str) -> pd.DataFrame:
    """Splink's clustering output reduced to source_dataset (when it has one), the
    record id and cluster_id."""
    present = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    wanted = [c for c in ("source_dataset", uid, "cluster_id") if c in present]
    return con.execute(f"select {', '.join(wanted)} from {table}").df()


def _clusters(found: pd.DataFrame, frames: dict[str, pd.DataFrame], uid: str) -> pd.DataFrame:
    """Splink's cluster ids against (source, source_id) for every input record; a record
    Splink did not return (none expected) becomes a singleton."""
    records = pd.concat(
        [
            pd.DataFrame(
                {
                    "source": name,
                    uid: frame[uid],
                    "source_id": frame["source_id"] if "source_id" in frame else frame[uid],
                }
            )
            for name, frame in frames.items()
        ],
        ignore_index=True,
    )
    if "source_dataset" not in found.columns:
        found = found.assign(source_dataset=next(iter(frames)))
    found = found.rename(columns={"source_dataset": "source"})
    joined = records.merge(found, on=["source", uid], how="left", validate="one_to_one")
    cluster = joined["cluster_id"].astype(object)
    missing = cluster.isna()
    cluster[missing] = "singleton:" + joined.loc[missing, "source"] + ":" + joined.loc[missing, uid]
    return clusters_frame(joined["source"], joined["source_id"], cluster.astype(str).to_numpy())


# --- one plan per dataset kind ------------------------------------------------------------


def _febrl4() -> _Plan:
    # Splink docs: demos/examples/duckdb/febrl4 ("detailed model").
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
    )
    return _Plan(
        settings=settings,
        deterministic_rules=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
        ],
        recall=0.8,
        u_max_pairs=1e6,
        em_rules=[block_on("date_of_birth"), block_on("postcode")],
        predict_args={"threshold_match_probability": 0.2},
        notes=(
            "Splink docs demos/examples/duckdb/febrl4, detailed model as written: link_only; "
            "blocking given_name+surname, names swapped, date_of_birth, soc_sec_id, "
            "state+address_1, street_number+address_1, postcode; p(match) from soc_sec_id "
            "and given_name+surname+dob at recall 0.8; u max_pairs 1e6; EM on dob then "
            "postcode without term frequencies; predict at 0.2; clustered at 0.5 (the page "
            "clusters at 0.99 for its cluster-size table); intermediate columns not retained."
        ),
    )


def _febrl3() -> _Plan:
    # Splink docs: demos/examples/duckdb/febrl3.
    blocking = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
    )
    return _Plan(
        settings=settings,
        deterministic_rules=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ],
        recall=0.9,
        u_max_pairs=1e6,
        u_seed=2,
        em_rules=[block_on("date_of_birth"), block_on("postcode")],
        em_without_tf=False,
        predict_args={"threshold_match_probability": 0.2},
        notes=(
            "Splink docs demos/examples/duckdb/febrl3 as written: dedupe_only; blocking "
            "soc_sec_id, given_name, surname, date_of_birth, postcode; p(match) from "
            "soc_sec_id, names+dob, swapped names+dob at recall 0.9; u max_pairs 1e6 seed 2; "
            "EM on dob then postcode; predict at 0.2; clustered at 0.5; intermediate "
            "columns not retained."
        ),
    )


def _fake_1000() -> _Plan:
    # Splink docs: demos/examples/duckdb/accuracy_analysis_from_labels_column (fake_1000,
    # dedupe_only; the docs' fake_1000 model with the widest blocking, and the one they
    # evaluate against the labels, at a 0.5 threshold).
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name"),
            block_on("surname"),
            block_on("dob"),
            block_on("email"),
        ],
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
    )
    return _Plan(
        settings=settings,
        deterministic_rules=[
            "l.first_name = r.first_name and levenshtein(r.dob, l.dob) <= 1",
            "l.surname = r.surname and levenshtein(r.dob, l.dob) <= 1",
            "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
            "l.email = r.email",
        ],
        recall=0.7,
        u_max_pairs=1e6,
        u_seed=5,
        em_rules=[block_on("dob"), block_on("email"), block_on("first_name", "surname")],
        notes=(
            "Splink docs demos/examples/duckdb/accuracy_analysis_from_labels_column as "
            "written: dedupe_only; blocking first_name, surname, dob, email; "
            "ForenameSurnameComparison, DateOfBirthComparison, city exact with TF, "
            "EmailComparison; p(match) from the page's four deterministic rules at recall "
            "0.7; u max_pairs 1e6 seed 5; EM on dob, email, first_name+surname without TF; "
            "predict unthresholded; clustered at 0.5. Deviation: dob is read from the CSV as "
            "a string, so input_is_string=True and the rules' ::VARCHAR casts are dropped. "
            "(The README quickstart, blocking on first_name or surname only, caps pairwise "
            "recall near 0.54 on this data.)"
        ),
    )


def _synthetic() -> _Plan:
    # Splink docs: demos/examples/duckdb/deduplicate_50k_synthetic (model and training),
    # topic guide "link type" (link_and_dedupe of several same-schema inputs), and the
    # comparison / blocking guides for arrays (ArrayIntersectLevel, arrays_to_explode).
    # Blocking: each rule pairs two fields, or one near-unique identifier, so that blocks
    # stay small at 1M records; no rule on one common field alone (surname, first_name,
    # postcode or dob alone would give tens of millions of pairs at that size).  The page's
    # two-field rules (surname+dob, first_name+dob, postcode+first_name, postcode+surname)
    # are kept; its prefix rules are replaced by first+surname and initial+surname+postcode
    # area (the page's prefix rules doubled the pairs at 100k records for no gain at 10k).
    blocking = [
        block_on("emails", arrays_to_explode=["emails"]),
        block_on("phones", arrays_to_explode=["phones"]),
        block_on("account"),
        block_on("loyalty_card"),
        block_on("first_name", "surname"),
        "l.first_name = r.surname and l.surname = r.first_name",
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode", "first_name"),
        block_on("postcode", "surname"),
        block_on("substr(first_name,1,1)", "surname", "substr(postcode,1,2)"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="unique_id",
        link_type="link_and_dedupe",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            _email_comparison(),
            _phone_comparison(),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("account"),
            cl.ExactMatch("loyalty_card"),
        ],
    )
    return _Plan(
        settings=settings,
        deterministic_rules=[
            block_on("first_name", "surname", "dob"),
            block_on("email"),
            block_on("phone", "surname"),
        ],
        recall=0.6,
        u_max_pairs=5e6,
        em_rules=[block_on("first_name", "surname"), block_on("dob")],
        predict_args={"threshold_match_probability": 0.2},
        notes=(
            "Splink docs deduplicate_50k_synthetic pattern on standardise_synthetic's frame: "
            "link_and_dedupe over the four sources; NameComparison first_name and surname "
            "(TF), DateOfBirthComparison, EmailComparison's levels plus an any-address-in-"
            "common level on the e-mail array, phone exact / any-number-in-common / "
            "Damerau-Levenshtein 1, PostcodeComparison, city exact (TF), account and "
            "loyalty_card exact (no TF). Blocking (the page's two-field rules plus ours; no "
            "single common field, so blocks stay tight at 1M): any shared e-mail or phone "
            "(exploded arrays), account, "
            "loyalty_card, first+surname, swapped names, surname+dob, first_name+dob, "
            "postcode+surname, postcode+first_name, initial+surname+postcode area. p(match) "
            "from names+dob, email, phone+surname at recall 0.6; u max_pairs 5e6; EM on "
            "first+surname then dob without TF (as the page); predict at 0.2; clustered at "
            "0.5 (the page clusters at 0.95). Cleaning: common.standardise_synthetic "
            "(placeholders and values shared by >20 records dropped)."
        ),
    )


def _email_comparison() -> cl.CustomComparison:
    """Splink's ``EmailComparison`` levels with one more after the exact match: the two
    records' e-mail arrays share an address (CRM keeps a second address)."""
    levels = cl.EmailComparison("email").create_comparison_levels()
    shared = cll.ArrayIntersectLevel("emails", 1).configure(
        label_for_charts="Any e-mail address in common"
    )
    return cl.CustomComparison(
        [*levels[:2], shared, *levels[2:]],
        output_column_name="email",
        comparison_description="E-mail (EmailComparison + any address in common)",
    )


def _phone_comparison() -> cl.CustomComparison:
    """Phone numbers: exact, any number in common between the records' phone arrays
    (CRM keeps a landline and a mobile), one edit apart, else."""
    return cl.CustomComparison(
        [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone"),
            cll.ArrayIntersectLevel("phones", 1).configure(
                label_for_charts="Any phone number in common"
            ),
            cll.DamerauLevenshteinLevel("phone", 1),
            cll.ElseLevel(),
        ],
        output_column_name="phone",
        comparison_description="Phone (exact, any in common, one edit)",
    )


_PLANS = {
    "febrl4": _febrl4,
    "febrl3": _febrl3,
    "fake_1000": _fake_1000,
    "synthetic": _synthetic,
}
