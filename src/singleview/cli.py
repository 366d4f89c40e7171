"""The ``singleview`` command: ``resolve CONFIG.yaml --out DIR``, ``demo``, and the
identity store's ``ingest CONFIG.yaml --store FILE``, ``lookup --store FILE FIELD=VALUE
...`` and ``erase --store FILE SOURCE SOURCE_ID``."""

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

__all__ = ["main"]


def _demo_config() -> Path:
    return Path(str(resources.files("singleview") / "data" / "demo" / "demo.yaml"))


def _run(config_path: Path, out: Path | None) -> str:
    config, sources = load_config(config_path)
    result = resolve(
        sources,
        link_within_sources=config.link_within_sources,
        settings=config.settings,
        random_state=config.random_state,
        threshold=config.threshold,
    )
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
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "ingest":
            text = _ingest(args.config, args.store)
        elif args.command == "lookup":
            text = _lookup(args.store, args.fields, args.region, args.limit)
        elif args.command == "erase":
            text = _erase(args.store, args.source, args.source_id)
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
