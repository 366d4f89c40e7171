"""Settings for a resolution run: comparisons, blocking, model, clustering, survivorship.

Everything has a default chosen from the fields present (zero configuration); pass a
:class:`Settings` to override any part.  Settings are frozen pydantic models that reject
unknown keys, so a typo names the field it came from.

Example:
    >>> import singleview as sv
    >>> settings = sv.Settings(threshold=0.95, blocking=[["email_key"], ["dob", "last_name_key"]])
    >>> settings.threshold
    0.95
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "COMPARISON_KINDS",
    "DEFAULT_DISAGREEMENT_WEIGHT",
    "DEFAULT_THRESHOLD",
    "SURVIVORSHIP_RULES",
    "ComparisonSettings",
    "Settings",
    "SurvivorshipSettings",
]

#: Default match probability at or above which a pair links two records.  Below 0.5 on
#: purpose: a link between 0.3 and 0.5 joins two groups only where nothing between them
#: disagrees (the over-merge guard rebuilds every component that holds a disagreement),
#: and such groups are the same person more often than the single link says.  Measured on
#: FEBRL3/4, fake_1000 and four seeds of the synthetic set: pairwise F1 is higher at every
#: one (README, "Choosing the threshold"); 0.5 with ``disagreement_weight=0.5`` is the
#: precision-first setting.
DEFAULT_THRESHOLD = 0.3
#: Default weight of the summed disagreement against a merge (see :mod:`singleview.cluster`).
DEFAULT_DISAGREEMENT_WEIGHT = 0.3

ComparisonKind = Literal[
    "first_name",
    "last_name",
    "middle_name",
    "name",
    "date",
    "email",
    "phone",
    "postcode",
    "city",
    "address",
    "identifier",
    "exact",
    "text",
]
COMPARISON_KINDS: tuple[str, ...] = ComparisonKind.__args__  # type: ignore[attr-defined]

SurvivorshipRule = Literal[
    "source_priority", "most_recent", "most_frequent", "longest", "first_non_null"
]
SURVIVORSHIP_RULES: tuple[str, ...] = SurvivorshipRule.__args__  # type: ignore[attr-defined]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ComparisonSettings(_Frozen):
    """One comparison: which canonical column, compared how, with term-frequency or not.

    ``column`` is a canonical column (``first_name``, ``email``, ``id_account``,
    ``extra_occupation``...).  ``kind`` picks the ordered levels (see
    :mod:`singleview.comparisons`).  ``tf_adjust`` weights an exact agreement by how rare the
    shared value is.
    """

    column: str
    kind: ComparisonKind
    tf_adjust: bool = False


class SurvivorshipSettings(_Frozen):
    """Which rule picks each golden field; fields not named use the defaults.

    Rules: ``source_priority`` (the most trusted source, then the newest), ``most_recent``,
    ``most_frequent`` (ties to the most recent), ``longest``, ``first_non_null`` (by source
    priority, then source and source id).
    """

    rules: dict[str, SurvivorshipRule] = Field(default_factory=dict)
    #: Fields taken together from one record (the most complete, then by the group's rule).
    address_group: tuple[str, ...] = ("address_line", "city", "postcode", "country")


class Settings(_Frozen):
    """Every knob of a resolution run.  ``None`` means: choose from the data."""

    comparisons: tuple[ComparisonSettings, ...] | None = None
    #: Blocking rules: each a list of key names (canonical columns or derived keys such as
    #: ``email_key``, ``last_name_key``, ``first_name_key``, ``first_initial``).
    blocking: tuple[tuple[str, ...], ...] | None = None
    #: Blocks with more records than this are skipped with a warning (generic values).
    max_block_size: int = Field(default=1000, gt=1)
    #: Zero-config's broad rules (name sounds, name prefixes, names or dates with a city:
    #: ``singleview.autoconfig.BROAD_BLOCKING``) leave out blocks of more records than
    #: this.  A name sound shared by hundreds of people is weak evidence, and such blocks
    #: made most candidate pairs at a million records (measured: 15.1M pairs without the
    #: limit, 8.0M with 50; pairwise F1 0.8433 and 0.8441).  Rules given in ``blocking``
    #: use ``max_block_size``.
    broad_block_size: int = Field(default=50, gt=1)
    #: An e-mail, phone or id seen with more last names than this is generic (a staff card,
    #: a shop's receipt address) and is removed before matching (0 keeps everything).
    max_names_per_value: int = Field(default=8, ge=0)
    #: Zero-config blocking adds broader rules while candidate pairs stay under this many
    #: per record (small data gets wide blocking, large data stays bounded).
    pairs_per_record: float = Field(default=50.0, ge=0.0)
    #: Zero-config's broad blocking rules are kept only when a scored sample of the pairs
    #: each would add has at least this match rate (see :mod:`singleview.probe`); 0 keeps
    #: every rule within the budget without probing.
    min_rule_yield: float = Field(default=0.0002, ge=0.0, lt=1.0)
    #: A broad rule that would add more pairs than this must show a match rate raised in
    #: proportion (``min_rule_yield`` x its pairs / this): every pair it adds is compared,
    #: scored and clustered, so at scale a rule must find more links per pair to pay for
    #: them (measured at 1M records: the name-prefix rule, 2.6M pairs at a rate of 0.0014,
    #: is left out; 32% fewer pairs, pairwise F1 0.8441 -> 0.8445).  0: never raised.
    yield_scale_pairs: int = Field(default=250_000, ge=0)
    #: Pairs the probe scores per broad rule to estimate its match rate.
    probe_pairs: int = Field(default=20_000, gt=0)
    #: Training sessions: keys that pick out one person (m is learned, per comparison, on
    #: candidates agreeing on a key that does not involve it).  None: chosen from the data.
    training: tuple[tuple[str, ...], ...] | None = None
    #: Columns whose evidence is one thing seen several times: within a group only the
    #: strongest agreement (or disagreement) counts.  None: chosen from the data.
    groups: tuple[tuple[str, ...], ...] | None = None
    #: The household rule: when a ``distinguish`` column (first name) disagrees while the
    #: ``family`` columns (last name) agree, a shared address or landline (the groups)
    #: counts nothing.  None: first name and last name when compared; () turns it off.
    distinguish: tuple[str, ...] | None = None
    family: tuple[str, ...] | None = None
    #: Give records with an e-mail but no name the first and last name their e-mail handle
    #: spells (``jason.elmley85@...``), for matching only (see :mod:`singleview.handles`).
    names_from_email: bool = True
    #: Pairs agreeing exactly on every column of one of these rules are matches outright.
    rules: tuple[tuple[str, ...], ...] = ()
    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0.0, lt=1.0)
    #: Over-merge guard: clusters joined by a link of log-odds w merge only when
    #: w + disagreement_weight * D > 0, D being the summed disagreement (negative weights,
    #: in bits) of the candidate pairs between them; 0 turns the guard off.
    disagreement_weight: float = Field(default=DEFAULT_DISAGREEMENT_WEIGHT, ge=0.0)
    #: Cannot-link columns: two records whose values conflict never end in one customer
    #: (see :mod:`singleview.constraints`).  ``dob`` conflicts beyond a typo, a day/month
    #: swap or ``dob_tolerance_days``; another column (``id_national``...) conflicts on any
    #: difference.  Columns the records lack are ignored.
    cannot_link: tuple[str, ...] = ("dob",)
    #: A cannot-link column applies only when the fitted model says true matches conflict
    #: on it at most this often (1.0: always; FEBRL's dates conflict in 4 % of matches).
    cannot_link_max_m: float = Field(default=0.02, ge=0.0, le=1.0)
    dob_tolerance_days: int = Field(default=365, ge=0)
    #: Sources whose records are each a different person (a deduplicated master): two of
    #: their records never end in one customer.
    unique_sources: tuple[str, ...] = ()
    #: The most records one customer may hold; a larger component is rebuilt, strongest
    #: links first, up to this size (None: no cap).  Raise it when a source keeps many
    #: rows per person (a till row per purchase).
    max_cluster_size: int | None = Field(default=250, gt=1)
    #: Weak-link split: a customer of four or more records whose minimum cut (the summed
    #: log-odds, in bits, of the links across it) is below this, with two or more records
    #: on each side, is cut there (0: off; see the guard benchmark before turning it on).
    split_below_bits: float = Field(default=0.0, ge=0.0)
    #: Random record pairs drawn to estimate u (non-match agreement rates).
    u_sample_size: int = Field(default=1_000_000, gt=0)
    em_max_iterations: int = Field(default=100, gt=0)
    em_tolerance: float = Field(default=1e-6, gt=0.0)
    #: A progress bar over the stages on stderr; None shows it when stderr is a terminal.
    progress: bool | None = None
    #: Worker processes that read and clean the sources side by side (they share out the
    #: batches of every source; see :mod:`singleview.sources.parallel`).  None: one per
    #: CPU when every source reads a file and the files hold 200,000 rows or more, else
    #: this process; 1: always this process.  The records are the same either way.
    load_workers: int | None = Field(default=None, ge=1)
    #: Pairs below this match probability are dropped from ``result.pairs``.
    pairs_floor: float = Field(default=0.01, ge=0.0, lt=1.0)
    survivorship: SurvivorshipSettings = Field(default_factory=SurvivorshipSettings)

    @field_validator(
        "blocking",
        "rules",
        "training",
        "groups",
        "distinguish",
        "family",
        "cannot_link",
        "unique_sources",
        mode="before",
    )
    @classmethod
    def _lists_to_tuples(cls, value: object) -> object:
        if isinstance(value, list):
            return tuple(tuple(v) if isinstance(v, list) else v for v in value)
        return value

    @field_validator("cannot_link", "unique_sources")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @field_validator("cannot_link")
    @classmethod
    def _single_valued(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for column in value:
            if column in ("email", "phone"):
                raise ValueError(
                    f"{column!r} holds several values per record; name single-valued "
                    "columns (dob, id_* columns)"
                )
        return value
