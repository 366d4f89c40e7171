"""The ``singleview`` command: ``resolve CONFIG.yaml --out DIR``, ``demo``, and the
identity store's ``ingest CONFIG.yaml --store FILE``, ``lookup --store FILE FIELD=VALUE
...`` and ``erase --store FILE SOURCE SOURCE_ID``; and ``diff OLD NEW``, which compares the
customers of two result directories and exits 1 when the change is over ``--max-changed`` or
``--max-size-jumps`` (for a CI step in the user's ETL); and ``report RESULT_DIR --out
FILE.html`` (or ``report --demo``), the self-contained HTML report."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from .config import load_config
from .errors import ConfigError, SingleViewError
from .pipeline import resolve
from .result import Result

__all__ = ["main"]


def _demo_config() -> Path:
    return Path(str(resources.files("singleview") / "data" / "demo" / "demo.yaml"))


def _resolve(config_path: Path) -> Result:
    config, sources = load_config(config_path)
    return resolve(
        sources,
        link_within_sources=config.link_within_sources,
        settings=config.settings,
        random_state=config.random_state,
        threshold=config.threshold,
    )


def _run(config_path: Path, out: Path | None) -> str:
    result = _resolve(config_path)
    text = result.summary()
    if out is not None:
        result.save(out)
        text += (
            f"\n\nwritten to {out}/: clusters, profiles, pairs, quarantine, records, "
            "issues, blocking (Parquet), model.json, stats.json, summary.txt"
        )
    return text


def _ingest(config_path: Path, store_path: Path) -> str:
    from .store import IdentityStore

    config, sources = load_config(config_path)
    with IdentityStore(
        store_path,
        settings=config.settings,
        link_within_sources=config.link_within_sources,
        random_state=config.random_state,
    ) as store:
        report = store.ingest(sources)
        customers = store.clusters()["customer_id"].nunique()
    counts = ", ".join(f"{k} {v:,}" for k, v in report.counts().items())
    events = (
        f"events {report.first_seq}..{report.last_seq}"
        if report.last_seq >= report.first_seq
        else "no events"
    )
    return (
        f"ingested into {store_path.name}: {counts}; {customers:,} customers; {events} "
        f"({report.seconds:.1f} s)"
    )


def _lookup(store_path: Path, pairs: list[str], region: str | None, limit: int) -> str:
    from .store import IdentityStore

    record: dict[str, str] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"lookup takes FIELD=VALUE arguments, got {field!r}")
        record[field.strip()] = value
    with IdentityStore(store_path) as store:
        found = store.lookup(record, limit=limit, region=region)
    rows = found.assign(explanation=found["explanation"].map(json.dumps))
    return rows.to_json(orient="records", lines=True).strip() or "(no match)"


def _erase(store_path: Path, source: str, source_id: str) -> str:
    from .store import IdentityStore

    with IdentityStore(store_path) as store:
        store.erase(source, source_id)
    return f"erased one record of source {source!r}; {store_path.name} rewritten"


def _report(directory: Path | None, demo: bool, out: Path) -> str:
    from .html_report import write_report

    if demo == (directory is not None):
        raise ConfigError("report takes a result directory or --demo (exactly one of them)")
    source = _resolve(_demo_config()) if directory is None else directory
    return f"report written to {write_report(source, out)}"


def _diff(args: argparse.Namespace) -> int:
    """Print how two result directories differ; 1 when over the limits, for a CI step in
    the user's ETL (2, as for every command, on an error)."""
    from .diff import SizeJump, compare_runs

    default = SizeJump()
    jump = SizeJump(
        factor=default.factor if args.size_jump_factor is None else args.size_jump_factor,
        min_growth=default.min_growth if args.size_jump_min is None else args.size_jump_min,
    )
    diff = compare_runs(args.old, args.new, size_jump=jump)
    over = diff.exceeds(args.max_changed, max_size_jumps=args.max_size_jumps)
    if args.json:
        sys.stdout.write(json.dumps({**diff.as_dict(), "exceeds": over}, indent=1) + "\n")
    else:
        sys.stdout.write(diff.text() + "\n")
    if over:
        found = {
            "--max-changed": (args.max_changed, f"{diff.moved_share:.2%} of the records moved"),
            "--max-size-jumps": (args.max_size_jumps, f"{len(diff.size_jumps)} size jumps"),
        }
        gates = "; ".join(f"{v} ({k} {lim})" for k, (lim, v) in found.items() if lim is not None)
        sys.stderr.write(f"singleview: diff over the limits: {gates}\n")
    return 1 if over else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="singleview", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log stage timings")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("resolve", help="resolve the sources named in a YAML file")
    run.add_argument("config", type=Path)
    run.add_argument("--out", type=Path, help="directory for the outputs")
    demo = commands.add_parser("demo", help="resolve the bundled four-source sample")
    demo.add_argument("--out", type=Path, help="directory for the outputs")
    ingest = commands.add_parser("ingest", help="fold the sources of a YAML file into a store")
    ingest.add_argument("config", type=Path)
    ingest.add_argument("--store", type=Path, required=True, help="the store's DuckDB file")
    lookup = commands.add_parser("lookup", help="find the customers one record matches")
    lookup.add_argument("--store", type=Path, required=True)
    lookup.add_argument("--region", help="phone region for national numbers, e.g. GB")
    lookup.add_argument("--limit", type=int, default=5)
    lookup.add_argument("fields", nargs="+", metavar="FIELD=VALUE")
    erase = commands.add_parser("erase", help="erase one record from a store")
    erase.add_argument("--store", type=Path, required=True)
    erase.add_argument("source")
    erase.add_argument("source_id")
    report = commands.add_parser("report", help="write the HTML report of a result directory")
    report.add_argument("result", type=Path, nargs="?", help="a resolve --out directory")
    report.add_argument("--demo", action="store_true", help="report on the bundled sample")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    diff = commands.add_parser(
        "diff",
        help="compare the customers of two result directories (exit 1 over the limits)",
        description="Compare the customers of two result directories. Exit code 0, or 1 "
        "when the change is over --max-changed or --max-size-jumps (for a CI step in your "
        "ETL), 2 on an error.",
    )
    diff.add_argument("old", type=Path, help="the earlier run's --out directory")
    diff.add_argument("new", type=Path, help="the later run's --out directory")
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    diff.add_argument(
        "--max-changed", type=float, metavar="FRACTION", help="fail over this share moved"
    )
    diff.add_argument("--max-size-jumps", type=int, metavar="N", help="fail over N size jumps")
    diff.add_argument("--size-jump-factor", type=float, metavar="F", help="default 2")
    diff.add_argument("--size-jump-min", type=int, metavar="N", help="default 5 records")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "diff":
            return _diff(args)
        if args.command == "ingest":
            text = _ingest(args.config, args.store)
        elif args.command == "lookup":
            text = _lookup(args.store, args.fields, args.region, args.limit)
        elif args.command == "erase":
            text = _erase(args.store, args.source, args.source_id)
        elif args.command == "report":
            text = _report(args.result, args.demo, args.out)
        else:
            config = _demo_config() if args.command == "demo" else args.config
            text = _run(config, args.out)
        sys.stdout.write(text + "\n")
    except SingleViewError as exc:
        sys.stderr.write(f"singleview: error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
