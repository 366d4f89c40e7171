"""singleview next to its peers, measured in one run on one machine.

``python -m benchmarks.run`` runs every (dataset, tool) job ``--repeats`` times, each in a
child process of its own, and prints a Markdown table of medians: wall time of the whole
job (read the files -> clusters, the same work for every tool), peak RSS of that child
alone (from ``os.wait4``: ``RUSAGE_CHILDREN`` keeps the largest child so far), candidate
pairs, pairwise precision/recall/F1 and B-cubed F1 of the clusters, pairs per second, and
singleview's time and memory as a ratio of each peer's, pair by pair.  A ceiling row says how
many Jaro-Winkler comparisons per second ``rapidfuzz.process.cpdist`` does here.

Options: ``--datasets`` (febrl4, febrl3, fake_1000, synthetic:N ...), ``--sizes`` (synthetic
sizes, added to the datasets), ``--tools`` (singleview, splink, recordlinkage), ``--repeats``,
``--quick`` / ``--full`` presets, ``--write`` (update ``benchmarks/README.md``, the JSON under
``benchmarks/results/`` and the plot; rows measured now replace the same (tool, dataset) rows
of the last results, the others are kept).  Peers run where they can: recordlinkage has no
clustering and stops at 100k records, Splink stops at 1M (it needs about 10 GiB there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"
PLOT = ROOT / "benchmarks" / "scaling.png"
TOOLS = ("singleview", "splink", "splink@0.95", "recordlinkage")
#: The largest synthetic size each peer is run at (None: no limit).
MAX_SIZE: dict[str, int | None] = {
    "singleview": None,
    "splink": 1_000_000,
    "splink@0.95": 1_000_000,
    "recordlinkage": 100_000,
}
QUICK = ["febrl4", "febrl3", "fake_1000", "synthetic:10000", "synthetic:100000"]
FULL = [*QUICK, "synthetic:1000000", "synthetic:10000000"]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
CHILD_TIMEOUT = 3600


# -- one job, in a child process --------------------------------------------------------------
#: The singleview run's ``result.stats`` (stage seconds, peak memory, counts).
STAGES: dict[str, Any] = {}


def _singleview(name: str) -> tuple[Any, int, str]:
    import pandas as pd

    import singleview as sv
    from benchmarks.datasets import dataset, read_febrl

    data = dataset(name)
    if data.kind in ("febrl4", "febrl3"):
        from tests.datasets import febrl_source

        sources: list[Any] = [febrl_source(read_febrl(p), s) for s, p in data.files.items()]
    elif data.kind == "fake_1000":
        frame = pd.read_csv(data.files["fake"], dtype=str)
        columns = {"first_name": "first_name", "last_name": "surname", "dob": "dob"}
        columns |= {"city": "city", "email": "email"}
        sources = [sv.FrameSource(frame, name="fake", id_column="unique_id", columns=columns)]
    else:
        adapters = {
            "crm": sv.CrmSource,
            "web": sv.WebSource,
            "call_centre": sv.CallCentreSource,
            "store": sv.StoreSource,
        }
        sources = [adapters[s](path) for s, path in data.files.items()]
    result = sv.resolve(sources, link_within_sources=not data.link_only)
    clusters = result.clusters.rename(columns={"customer_id": "cluster_id"})
    STAGES.update(result.stats)
    return clusters, int(result.stats["candidate_pairs"]), "zero configuration"


def _peer(tool: str, name: str) -> tuple[Any, int, str]:
    from benchmarks.datasets import dataset

    if tool.startswith("splink"):
        from benchmarks.peers import splink_peer as module

        if "@" in tool:  # the docs' own clustering threshold instead of 0.5
            module.CLUSTER_THRESHOLD = float(tool.split("@", 1)[1])
    else:
        from benchmarks.peers import recordlinkage_peer as module  # type: ignore[no-redef]
    out = module.run(dataset(name))
    return out.clusters, int(out.candidate_pairs), out.notes


def child(tool: str, name: str) -> None:
    """Run one job and print its result as one JSON line."""
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.WARNING)
    from benchmarks.datasets import dataset, truth

    data = dataset(name)  # written by the parent already (see main)
    start = time.perf_counter()
    if tool == "singleview":
        clusters, pairs, notes = _singleview(name)
    else:
        clusters, pairs, notes = _peer(tool, name)
    seconds = time.perf_counter() - start
    import singleview as sv

    scores = sv.evaluate(clusters.rename(columns={"cluster_id": "customer_id"}), truth(data))
    print(
        json.dumps(
            {
                "tool": tool,
                "dataset": name,
                "records": data.records,
                "seconds": seconds,
                "pairs": pairs,
                "precision": scores.pairwise_precision,
                "recall": scores.pairwise_recall,
                "f1": scores.pairwise_f1,
                "bcubed_f1": scores.bcubed_f1,
                "notes": notes,
                "stats": STAGES,
            }
        )
    )


def ceiling_child() -> None:
    """Jaro-Winkler comparisons per second with ``cpdist`` on name-like strings."""
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    n = 2_000_000
    lengths = rng.integers(4, 12, 2 * n)
    chars = letters[rng.integers(0, 26, (2 * n, 12))]
    words = ["".join(row[:k]) for row, k in zip(chars, lengths, strict=True)]
    left, right = words[:n], words[n:]
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        process.cpdist(left, right, scorer=JaroWinkler.normalized_similarity, workers=-1)
        best = max(best, n / (time.perf_counter() - start))
    print(json.dumps({"comparisons_per_second": best, "workers": os.cpu_count()}))


# -- the parent: run children, measure, tabulate ------------------------------------------------
def _spawn(args: list[str], python: str) -> tuple[dict[str, Any] | None, float, str]:
    """Run ``python -m benchmarks.run <args>``; its JSON, its peak RSS (MiB), its stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [python, "-m", "benchmarks.run", *args],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode().strip().splitlines()
        tail = err.read().decode()[-2000:]
    peak = usage.ru_maxrss / 1024
    if proc.returncode != 0 or not lines:
        killed = " (killed: out of memory?)" if proc.returncode == -9 else ""
        return None, peak, f"exit code {proc.returncode}{killed}, peak {peak:,.0f} MiB\n{tail}"
    return json.loads(lines[-1]), peak, tail


def _runs(tool: str, name: str) -> bool:
    limit = MAX_SIZE[tool]
    if not name.startswith("synthetic:") or limit is None:
        return True
    return int(name.split(":")[1]) <= limit


def measure(
    names: list[str], tools: list[str], repeats: int, python: str, ours: str | None = None
) -> list[dict[str, Any]]:
    """Median result per (dataset, tool) over ``repeats`` child runs; singleview's in the
    interpreter ``ours`` when given (its default install), the peers' in ``python``."""
    rows = []
    for name in names:
        for tool in tools:
            if not _runs(tool, name):
                continue
            runs = []
            failure = ""
            for _ in range(repeats):
                job = ours if tool == "singleview" and ours else python
                result, peak, tail = _spawn(["--child", tool, name], job)
                if result is None:
                    print(f"{tool} on {name} failed: {tail}", file=sys.stderr, flush=True)
                    failure = tail.splitlines()[0] if tail else "failed"
                    break
                result["peak_mib"] = peak
                runs.append(result)
            if not runs:
                rows.append({"tool": tool, "dataset": name, "failed": failure or "failed"})
                continue
            # The stage breakdown of the median run.
            row = dict(sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2])
            for key in ("seconds", "peak_mib"):
                row[key] = statistics.median(r[key] for r in runs)
            row["repeats"] = len(runs)
            row["pairs_per_second"] = row["pairs"] / row["seconds"] if row["seconds"] else 0.0
            rows.append(row)
            print(
                f"  {name:>18} {tool:>13}: {row['seconds']:8.1f} s {row['peak_mib']:8.0f} MiB "
                f"F1 {row['f1']:.4f}",
                file=sys.stderr,
                flush=True,
            )
    return rows


def table(rows: list[dict[str, Any]], ceiling: dict[str, Any] | None) -> str:
    """The Markdown table, with singleview/peer ratios."""
    ours = {r["dataset"]: r for r in rows if r["tool"] == "singleview" and not r.get("failed")}
    lines = [
        "| dataset | tool | records | runs | wall s | peak RSS MiB | candidate pairs | pairs/s "
        "| precision | recall | pairwise F1 | B-cubed F1 | time sv/peer | memory sv/peer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("failed"):
            lines.append(f"| {r['dataset']} | {r['tool']} | {r['failed']} | | | | | | | | | | |")
            continue
        mine = ours.get(r["dataset"])
        ratio_t = ratio_m = ""
        if mine is not None and r["tool"] != "singleview":
            ratio_t = f"{mine['seconds'] / r['seconds']:.2f}"
            ratio_m = f"{mine['peak_mib'] / r['peak_mib']:.2f}"
        lines.append(
            f"| {r['dataset']} | {r['tool']} | {r['records']:,} | {r.get('repeats', 1)} "
            f"| {r['seconds']:.1f} "
            f"| {r['peak_mib']:,.0f} | {r['pairs']:,} | {r['pairs_per_second']:,.0f} "
            f"| {r['precision']:.4f} | {r['recall']:.4f} | **{r['f1']:.4f}** "
            f"| {r['bcubed_f1']:.4f} | {ratio_t} | {ratio_m} |"
        )
    if ceiling:
        cps = ceiling["comparisons_per_second"]
        best = max((r["pairs_per_second"] for r in ours.values()), default=0.0)
        lines.append("")
        lines.append(
            f"Ceiling: `rapidfuzz.process.cpdist` does {cps:,.0f} Jaro-Winkler comparisons per "
            f"second here ({ceiling['workers']} workers); singleview's best end-to-end rate "
            f"above, {best:,.0f} candidate pairs per second (read, clean, block, compare every "
            f"field, train, score, cluster, build profiles), is {best / cps:.1%} of that "
            "single comparison's rate."
        )
    return "\n".join(lines)


def stage_table(rows: list[dict[str, Any]], ceiling: dict[str, Any] | None) -> str:
    """singleview's time per stage, and the compare stage's string comparisons per second."""
    stages = (
        "load",
        "features",
        "blocking",
        "compare",
        "fit",
        "probe",
        "score",
        "cluster",
        "profiles",
    )
    lines = [
        "| dataset | " + " | ".join(f"{s} s" for s in stages) + " | string comparisons/s "
        "(compare stage) | share of cpdist ceiling |",
        "|---|" + "---:|" * (len(stages) + 2),
    ]
    cps = ceiling["comparisons_per_second"] if ceiling else None
    for r in rows:
        stats = r.get("stats") or {}
        seconds = stats.get("seconds", {})
        if r["tool"] != "singleview" or r.get("failed") or not seconds:
            continue
        rate = stats.get("string_comparisons", 0) / max(seconds.get("compare", 0.0), 1e-9)
        share = f"{rate / cps:.0%}" if cps else ""
        lines.append(
            f"| {r['dataset']} | "
            + " | ".join(f"{seconds.get(s, 0.0):.1f}" for s in stages)
            + f" | {rate:,.0f} | {share} |"
        )
    return "\n".join(lines)


def _tables(rows: list[dict[str, Any]], ceiling: dict[str, Any] | None) -> str:
    return (
        table(rows, ceiling)
        + "\n\nsingleview by stage (seconds of the median run; string comparisons: candidate "
        "pairs x string fields compared, over the compare stage's time):\n\n"
        + stage_table(rows, ceiling)
        + "\n\n"
        + "\n".join(
            f"- {line}" for line in (scaling(rows, t) for t in ("singleview", "splink")) if line
        )
    )


def machine(python: str, ours: str | None = None) -> str:
    """Cores, memory, versions and date, for the README (``ours``: singleview's own
    interpreter, when it is not the peers')."""
    code = (
        "import importlib.metadata as m, json\n"
        "names = ['singleview', 'pandas', 'numpy', 'rapidfuzz', 'duckdb', 'splink', "
        "'recordlinkage']\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = 'not installed'\n"
        "print(json.dumps(out))"
    )
    versions = json.loads(subprocess.check_output([python, "-c", code], text=True))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pieces = ", ".join(f"{k} {v}" for k, v in versions.items())
    text = (
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; "
        f"{pieces}."
    )
    if ours and ours != python:
        own = json.loads(subprocess.check_output([ours, "-c", code], text=True))
        keep = ("singleview", "pandas", "numpy", "rapidfuzz", "duckdb")
        text += (
            " singleview ran in its default install (`make demo`'s `.venv`): "
            + ", ".join(f"{k} {own[k]}" for k in keep)
            + "; the peers in the bench environment above, whose pandas 2 recordlinkage needs."
        )
    return text


def plot(rows: list[dict[str, Any]]) -> bool:
    """Time and peak memory against synthetic size, singleview and Splink."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for tool in ("singleview", "splink"):
        points = sorted(
            (r["records"], r["seconds"], r["peak_mib"])
            for r in rows
            if r["tool"] == tool and r["dataset"].startswith("synthetic:") and not r.get("failed")
        )
        if not points:
            continue
        sizes, seconds, peaks = zip(*points, strict=True)
        axes[0].plot(sizes, seconds, marker="o", label=tool)
        axes[1].plot(sizes, peaks, marker="o", label=tool)
    for ax, label in zip(axes, ("wall time, s", "peak RSS, MiB"), strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("records (synthetic, 4 sources)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(PLOT, dpi=100)
    return True


def merged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` over the last written results: a (tool, dataset) measured now replaces the
    old one, the others stay, so a run of one size updates its rows only."""
    latest = RESULTS / "latest.json"
    if not latest.exists():
        return rows
    fresh = {(r["tool"], r["dataset"]) for r in rows}
    old = [
        r for r in json.loads(latest.read_text())["rows"] if (r["tool"], r["dataset"]) not in fresh
    ]
    return sorted([*old, *rows], key=_row_order)


def _row_order(row: dict[str, Any]) -> tuple[int, int, str, int]:
    """FEBRL and fake_1000 first, then synthetic sets by size, tools in TOOLS order."""
    name = row["dataset"]
    tool = TOOLS.index(row["tool"]) if row["tool"] in TOOLS else len(TOOLS)
    if name.startswith("synthetic:"):
        return (1, int(name.split(":")[1]), name, tool)
    return (0, FULL.index(name) if name in FULL else len(FULL), name, tool)


def scaling(rows: list[dict[str, Any]], tool: str, smallest: int = 100_000) -> str:
    """The fitted exponent of wall time against records (synthetic sets from ``smallest``)."""
    import numpy as np

    points = sorted(
        (int(r["dataset"].split(":")[1]), r["seconds"])
        for r in rows
        if r["tool"] == tool
        and r["dataset"].startswith("synthetic:")
        and not r.get("failed")
        and int(r["dataset"].split(":")[1]) >= smallest
    )
    if len(points) < 2:
        return ""
    sizes, seconds = zip(*points, strict=True)
    slope = np.polyfit(np.log(sizes), np.log(seconds), 1)[0]
    return (
        f"{tool}: wall time grows as records^{slope:.2f} "
        f"(least squares on log-log over {', '.join(f'{n:,}' for n in sizes)} records)"
    )


def write(
    rows: list[dict[str, Any]],
    text: str,
    header: str,
    has_plot: bool,
    ceiling: dict[str, Any] | None = None,
) -> None:
    """JSON results under benchmarks/results and the table into benchmarks/README.md."""
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = json.dumps({"machine": header, "ceiling": ceiling, "rows": rows}, indent=1)
    (RESULTS / f"{stamp}.json").write_text(payload)
    (RESULTS / "latest.json").write_text(payload)
    block = [START, "", header, "", text, ""]
    if has_plot:
        block += ["![time and memory against size](scaling.png)", ""]
    block.append(END)
    readme = README.read_text() if README.exists() else "# Benchmarks\n\n"
    if START in readme and END in readme:
        before, rest = readme.split(START, 1)
        after = rest.split(END, 1)[1]
        readme = before + "\n".join(block) + after
    else:
        readme = readme.rstrip() + "\n\n## Side by side with the peers\n\n" + "\n".join(block)
    README.write_text(readme + ("" if readme.endswith("\n") else "\n"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--datasets", default=None, help="comma-separated dataset names")
    parser.add_argument("--sizes", nargs="*", type=int, default=[], help="synthetic sizes")
    parser.add_argument(
        "--tools",
        default="singleview,splink,recordlinkage",
        help=f"comma-separated, from {', '.join(TOOLS)} (splink@0.95: clustered at the "
        "docs' 0.95 instead of 0.5)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="FEBRL, fake_1000, 10k, 100k")
    parser.add_argument("--full", action="store_true", help="quick plus 1M and 10M")
    parser.add_argument("--write", action="store_true", help="update README, JSON and plot")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the jobs")
    parser.add_argument(
        "--singleview-python",
        default=None,
        help="interpreter for singleview's jobs (default: --python); make bench gives the "
        "default install's, on the newest pandas, while recordlinkage keeps the peers on 2.x",
    )
    parser.add_argument(
        "--rewrite", action="store_true", help="re-render README and plot from latest.json"
    )
    args = parser.parse_args(argv)
    if args.rewrite:
        saved = json.loads((RESULTS / "latest.json").read_text())
        saved["rows"] = sorted(saved["rows"], key=_row_order)
        ceiling = saved.get("ceiling") or _spawn(["--ceiling"], args.python)[0]
        text = _tables(saved["rows"], ceiling)
        write(saved["rows"], text, saved["machine"], plot(saved["rows"]), ceiling)
        print(text)
        return
    names = FULL if args.full else QUICK if args.quick or not args.datasets else []
    if args.datasets:
        names = [n for n in args.datasets.split(",") if n]
    names += [f"synthetic:{n}" for n in args.sizes]
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools {sorted(unknown)}; choose from {TOOLS}")
    from benchmarks.datasets import dataset

    started = time.perf_counter()
    for name in names:
        # Missing synthetic files are written here: written in a measured job, the
        # generator's memory would be that job's peak RSS.
        dataset(name)
    rows = measure(names, tools, args.repeats, args.python, args.singleview_python)
    if args.write:
        rows = merged(rows)
    ceiling, _, _ = _spawn(["--ceiling"], args.python)
    text = _tables(rows, ceiling)
    header = machine(args.python, args.singleview_python)
    print(header)
    print()
    print(text)
    print(f"\n(total {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if args.write:
        write(rows, text, header, plot(rows), ceiling)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "--ceiling":
        ceiling_child()
    else:
        main()
