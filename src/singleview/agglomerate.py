"""The guard's constrained agglomeration (see :mod:`singleview.cluster`), and a helper
process that takes half of it.

Agglomeration is a Python loop over the links of the rebuilt components: about two
seconds at a million records, a tenth of a run, on one core.  Components are independent
(no link, disagreement or cannot-link value crosses two), so the work splits by component:
:func:`agglomerate_split` hands the components holding half of the pairs to a
:class:`Helper` process and does the others here, then puts the two results together; a
link's order among its component's links is the same either way, so the clusters are
those of one loop over everything.

The helper is a fresh interpreter (``python -m singleview.agglomerate``), started before
it is needed (its imports take about half a second) and given one pickled problem on
stdin; it writes the pickled answer on stdout.  If it cannot start or fails, that half is
done here.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import subprocess
import sys
import threading
import weakref
from typing import Any, BinaryIO

import numpy as np

from ._arrays import unique_inverse
from ._process import usable_cpus
from .constraints import Constraints, Tracker

__all__ = [
    "HELPER_FROM_PAIRS",
    "HELPER_FROM_RECORDS",
    "Helper",
    "agglomerate",
    "agglomerate_split",
    "start_helper",
]

logger = logging.getLogger(__name__)

#: Pairs in the rebuilt components from which half go to a helper process (fewer are done
#: here: sending them would cost about what it saves).
HELPER_FROM_PAIRS = 100_000
#: Records from which a run starts a helper (at 200,000 records the rebuilt components
#: hold about 100,000 pairs).
HELPER_FROM_RECORDS = 200_000


def start_helper(records: int) -> Helper | None:
    """A :class:`Helper` for a run over ``records`` records when it has the records to
    repay it and a second CPU to run it on; else None."""
    if records < HELPER_FROM_RECORDS or usable_cpus() < 2 or not sys.executable:
        return None
    return Helper()


def agglomerate(
    left: np.ndarray,
    right: np.ndarray,
    *,
    log_odds: np.ndarray,
    against: np.ndarray,
    links: np.ndarray,
    forced: np.ndarray,
    constraints: Constraints | None,
    max_size: int | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Constrained merging over the pairs of the rebuilt components: the records the pairs
    touch (ascending), each one's root, and how many merges the cannot-link rules refused.

    ``links``: rows of the pairs that may merge, strongest first.  ``against``: weighted
    disagreement per pair (<= 0), summed between clusters as they grow.  ``constraints``:
    the cannot-link rules, checked over the growing clusters (:class:`Tracker`);
    ``max_size``: no merge past this many records.  A link with no disagreement against it
    merges (whatever its log-odds: it passed the threshold); a forced pair merges whatever
    the rest says.

    Records are numbered ``0..m`` among the touched ones, so the union-find and the
    cluster tables are Python lists, not dictionaries keyed by record position.
    """
    nodes, local = unique_inverse(np.concatenate([left, right]))
    lefts, rights = local[: len(left)].tolist(), local[len(left) :].tolist()
    againsts = against.tolist()
    between: list[dict[int, float] | None] = [None] * len(nodes)
    for a, b, d in zip(lefts, rights, againsts, strict=True):
        if d < 0.0:
            table = between[a]
            if table is None:
                table = between[a] = {}
            table[b] = table.get(b, 0.0) + d
            table = between[b]
            if table is None:
                table = between[b] = {}
            table[a] = table.get(a, 0.0) + d
    parent = list(range(len(nodes)))
    size = [1] * len(nodes)
    tracker = Tracker(constraints, nodes) if constraints is not None else None

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    odds, force = log_odds.tolist(), forced.tolist()
    for row in links.tolist():
        ra, rb = find(lefts[row]), find(rights[row])
        if ra == rb:
            continue
        # The link's own disagreement is already in its log-odds: count the others'.
        table_a, table_b = between[ra], between[rb]
        others = (0.0 if table_a is None else table_a.get(rb, 0.0)) - againsts[row]
        merged = size[ra] + size[rb]
        if not force[row] and (
            (others < -1e-9 and odds[row] + others <= 0.0)
            or (max_size is not None and merged > max_size)
            or (tracker is not None and tracker.conflict(ra, rb))
        ):
            continue
        # Fold the smaller neighbour table into the larger one.
        if len(table_a or ()) < len(table_b or ()):
            ra, rb, table_a, table_b = rb, ra, table_b, table_a
        if table_b is not None:
            if table_a is None:
                table_a = between[ra] = {}
            for other, d in table_b.items():
                if other == ra:
                    continue
                table_a[other] = table_a.get(other, 0.0) + d
                table = between[other]
                assert table is not None  # tables are symmetric: other's holds rb
                table.pop(rb, None)
                table[ra] = table.get(ra, 0.0) + d
            table_a.pop(rb, None)
            between[rb] = None
        parent[rb] = ra
        size[ra] = merged
        if tracker is not None:
            tracker.merge(ra, rb)
    roots = np.fromiter((find(x) for x in range(len(nodes))), dtype=np.int64, count=len(nodes))
    return nodes, nodes[roots], 0 if tracker is None else tracker.refused


class Helper:
    """A process that agglomerates one problem (see the module docstring).  Start it ahead
    of time; :meth:`submit` sends the problem without waiting, :meth:`result` waits for
    the answer (None if the process failed)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._writer: threading.Thread | None = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "singleview.agglomerate"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as error:
            logger.warning("agglomeration helper not started (%s): all done here", error)
        self._finalizer = (
            weakref.finalize(self, _end, self._process)
            if self._process is not None
            else weakref.finalize(self, lambda: None)
        )

    def submit(self, problem: dict[str, Any]) -> None:
        """Send ``problem`` (the keyword arguments of :func:`agglomerate`) to the process;
        written by a thread, as the process reads it only once its imports are done."""
        process = self._process
        if process is None or process.stdin is None:
            return
        payload = pickle.dumps(problem, protocol=pickle.HIGHEST_PROTOCOL)
        stdin = process.stdin

        def write() -> None:
            try:
                stdin.write(payload)
                stdin.close()
            except OSError:  # the process died: result() says so
                pass

        self._writer = threading.Thread(target=write, daemon=True)
        self._writer.start()

    def result(self) -> tuple[np.ndarray, np.ndarray, int] | None:
        """The answer to the submitted problem, or None when the process failed."""
        process = self._process
        if process is None or process.stdout is None or self._writer is None:
            return None
        try:
            answer: tuple[np.ndarray, np.ndarray, int] = pickle.load(process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError, ValueError) as error:
            logger.warning("agglomeration helper failed (%r): its half done here", error)
            return None
        finally:
            self._writer.join()
        return answer

    def close(self) -> None:
        """End the process (it exits on its own once its stdin closes).  Also done when
        the helper is dropped unclosed (a run that failed between starting and using it)."""
        self._finalizer()
        self._process = None


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close a helper process's stdin (unless its writer has), wait for it (killed after
    5 s) and close its output."""
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(OSError):  # unused, or a write cut short: it reads EOF
            process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def agglomerate_split(
    left: np.ndarray,
    right: np.ndarray,
    component: np.ndarray,
    *,
    log_odds: np.ndarray,
    against: np.ndarray,
    links: np.ndarray,
    forced: np.ndarray,
    constraints: Constraints | None,
    max_size: int | None,
    helper: Helper | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`agglomerate`, with the components holding about half of the pairs done by
    ``helper`` (``component``: each pair's component).  Without a helper, or under
    :data:`HELPER_FROM_PAIRS` pairs, all of it here."""
    if helper is None or len(left) < HELPER_FROM_PAIRS:
        return agglomerate(
            left,
            right,
            log_odds=log_odds,
            against=against,
            links=links,
            forced=forced,
            constraints=constraints,
            max_size=max_size,
        )
    # Components in ascending order, cut where half of the pairs are behind.
    _, inverse = unique_inverse(component)
    per_component = np.bincount(inverse)
    behind = np.cumsum(per_component) - per_component
    there = (behind >= len(left) // 2)[inverse]
    parts = []
    for mask in (there, ~there):
        rows = np.flatnonzero(mask)
        local = np.full(len(left), -1, dtype=np.int64)
        local[rows] = np.arange(len(rows))
        chosen = links[mask[links]]
        nodes, ends = unique_inverse(np.concatenate([left[rows], right[rows]]))
        parts.append(
            (
                nodes,
                {
                    "left": ends[: len(rows)],
                    "right": ends[len(rows) :],
                    "log_odds": log_odds[rows],
                    "against": against[rows],
                    "links": local[chosen],
                    "forced": forced[rows],
                    "constraints": None if constraints is None else _restricted(constraints, nodes),
                    "max_size": max_size,
                },
            )
        )
    (far_nodes, far), (near_nodes, near) = parts
    helper.submit(far)
    near_touched, near_roots, near_refused = agglomerate(**near)
    answer = helper.result()
    far_touched, far_roots, far_refused = answer if answer is not None else agglomerate(**far)
    return (
        np.concatenate([near_nodes[near_touched], far_nodes[far_touched]]),
        np.concatenate([near_nodes[near_roots], far_nodes[far_roots]]),
        near_refused + far_refused,
    )


def _restricted(constraints: Constraints, nodes: np.ndarray) -> Constraints:
    """The cannot-link values of ``nodes`` alone, renumbered ``0 .. len(nodes) - 1``."""
    return Constraints(
        dob=constraints.dob[nodes] if len(constraints.dob) else constraints.dob,
        columns=tuple(column[nodes] for column in constraints.columns),
        unique=constraints.unique[nodes] if len(constraints.unique) else constraints.unique,
        tolerance_days=constraints.tolerance_days,
    )


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """In the helper: agglomerate the one problem on ``stdin`` (none: exit)."""
    try:
        problem = pickle.load(stdin)
    except EOFError:
        return
    pickle.dump(agglomerate(**problem), stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


if __name__ == "__main__":
    answer_pipe = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pickled answer
    _serve(sys.stdin.buffer, answer_pipe)
