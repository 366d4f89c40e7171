"""The ``singleview`` command: ``resolve CONFIG.yaml --out DIR`` and ``demo``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from .config import load_config
from .errors import SingleViewError
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
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    config = _demo_config() if args.command == "demo" else args.config
    try:
        sys.stdout.write(_run(config, args.out) + "\n")
    except SingleViewError as exc:
        sys.stderr.write(f"singleview: error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
