"""A street (街道) of communities simulated as one model: who belongs where, and the
arithmetic that keeps each community's accounts apart on shared arrays.

With ``communities = K`` the model holds the residents, needs and disputes of all K
communities in one set of arrays, each row tagged with its community (0..K-1), and every
actor kind keeps one budget per community. A day then costs per resident and per case, not
per community: the submodels run once over the whole street. What must stay apart is kept
apart: residents of different communities are never tied, and a community's needs are
served only from its own budgets, in its own priority order (a *segmented* prefix fill:
cases sorted by community, then priority, cumulative sums within each community).

**Per-community values.** A quantity that each community has once (an actor's hours today,
the charity's trust, a count of the run) is a plain float for a single community and an
array of K floats for a street: the same expressions serve both, and one community keeps
exactly the numbers, and nearly the speed, it had before streets were vectorised.
:class:`Street` holds the helpers whose result differs by shape only.

**Exactly K independent communities.** Each community draws from its own streams, seeded
as before (:func:`sim.model.streams.community_seed`), and every per-community sum is
computed as numpy sums that community's cases on its own (:func:`segment_sums` reproduces
numpy's pairwise summation segment by segment), so a street of K equals K communities
simulated one by one and pooled, number for number (tests/test_street.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

# A float for one community, an array of shape (K,) for a street of K (see the module doc).
PerCommunity = Any

# numpy sums a contiguous float64 array pairwise: below 8 elements one by one from 0.0; up
# to 128 in eight interleaved partial sums, combined in a fixed tree, then the leftovers;
# longer arrays split in two halves (a multiple of 8 first) summed the same way.
_BLOCK, _LANES = 128, 8
# Up to this many communities among a fill's cases, a loop over them is quicker than Runs
# (2 communities: 22 µs against 100; 10: 75-80 against 110-170; 100: Runs, 215 against 250).
_FEW_RUNS = 16


class Street:
    """The communities of a street: where each one's residents start, and per-community
    arithmetic (counts, sums, prefix fills, gathers) over arrays tagged by community.

    ``sizes``: residents per community. Residents are numbered community after community,
    so community k holds residents ``first[k]`` to ``first[k + 1] - 1``.
    """

    def __init__(self, sizes: Sequence[int]):
        self.k = len(sizes)
        self.one = self.k == 1
        self.first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.sizes = np.asarray(sizes, dtype=np.int64)
        # (first, end) of each community's residents, as Python ints
        self.ranges: list[tuple[int, int]] = list(pairwise(self.first.tolist()))

    # --- per-community values ------------------------------------------------------------
    def zeros(self) -> PerCommunity:
        """0 in every community (a float for one community, a new array for several)."""
        return 0.0 if self.one else np.zeros(self.k)

    def full(self, value: float) -> PerCommunity:
        """The same value in every community."""
        return value if self.one else np.full(self.k, value, dtype=np.float64)

    def of(self, values: Sequence) -> PerCommunity:
        """A per-community value from one number per community."""
        return values[0] if self.one else np.array(values, dtype=np.float64)

    def table(self, width: int) -> np.ndarray:
        """Zeros, ``width`` per community: shape (width,) for one, (K, width) for several."""
        return np.zeros(width) if self.one else np.zeros((self.k, width))

    def at(self, values: PerCommunity, k: int):
        """Community ``k``'s entry of a per-community value."""
        return values if self.one else values[k]

    def minimum(self, a: PerCommunity, b: PerCommunity) -> PerCommunity:
        return min(a, b) if self.one else np.minimum(a, b)

    def maximum(self, a: PerCommunity, b: PerCommunity) -> PerCommunity:
        return max(a, b) if self.one else np.maximum(a, b)

    def where(self, condition: PerCommunity, a: PerCommunity, b: PerCommunity) -> PerCommunity:
        if self.one:
            return a if condition else b
        return np.where(condition, a, b)

    @staticmethod
    def column(table: np.ndarray, j) -> PerCommunity:
        """Column ``j`` of a per-community table (``j`` per community, or one index)."""
        if table.ndim == 1:
            return table[j]
        return table[np.arange(table.shape[0]), j] if np.ndim(j) else table[:, j]

    @staticmethod
    def add_to_column(table: np.ndarray, j, values: PerCommunity) -> None:
        """Add ``values`` to column ``j`` of a per-community table (``j`` as in ``column``)."""
        if table.ndim == 1:
            table[j] += values
        elif np.ndim(j):
            table[np.arange(table.shape[0]), j] += values
        else:
            table[:, j] += values

    def row_sums(self, table: np.ndarray) -> PerCommunity:
        """Each community's total of a per-community table (numpy's sum of its row)."""
        return float(table.sum()) if self.one else table.sum(axis=1)

    def argmax(self, table: np.ndarray) -> PerCommunity:
        """Each community's column of its largest entry (the first of equal ones)."""
        return int(np.argmax(table)) if self.one else np.argmax(table, axis=1)

    def any(self, flags: PerCommunity) -> bool:
        """True if the condition holds in some community."""
        return bool(flags) if self.one else bool(np.any(flags))

    def pool(self, values: PerCommunity):
        """A per-community value summed over the street, community after community (as a
        street's daily records were pooled: 0 + first + second + ...)."""
        if self.one:
            return values
        return np.cumsum(values)[-1].item()

    def float_sum(self, values: Sequence[PerCommunity]) -> PerCommunity:
        """``sum(values)`` of Python floats, per community: Python sums floats with
        Neumaier's compensation (since 3.12), which this repeats element by element."""
        if self.one:
            return sum(values)
        total = 0 + np.asarray(values[0], dtype=np.float64)
        compensation = np.zeros(self.k)
        for x in values[1:]:
            t = total + x
            compensation += np.where(np.abs(total) >= np.abs(x), (total - t) + x,
                                     (x - t) + total)
            total = t
        use = (compensation != 0) & np.isfinite(compensation)
        return np.where(use, total + compensation, total)

    def mean(self, values: PerCommunity) -> float:
        """The mean over the communities, summed one after another."""
        return values if self.one else self.pool(values) / self.k

    def split(self, values: PerCommunity) -> list:
        """One Python number per community."""
        return [values] if self.one else np.asarray(values).tolist()

    # --- per case ------------------------------------------------------------------------
    def tag(self, community: np.ndarray, idx) -> np.ndarray | None:
        """The communities of rows ``idx`` of a table whose rows carry ``community``; None
        for a single community, where no helper reads it (nothing to gather)."""
        return None if self.one else community[idx]

    def count_rows(self, community: np.ndarray, idx: np.ndarray) -> PerCommunity:
        """Rows ``idx`` per community (``community``: the community of every row)."""
        if self.one:
            return int(idx.size)
        return np.bincount(community[idx], minlength=self.k)

    def gather(self, values: PerCommunity, community: np.ndarray | None):
        """Each case's community's value (a scalar for one community: it broadcasts)."""
        return values if self.one else values[community]

    def count(self, community: np.ndarray | None,
              mask: np.ndarray | None = None) -> PerCommunity:
        """Cases per community (those where ``mask`` holds); ``community``: each case's."""
        if self.one:
            if mask is not None:
                return int(np.count_nonzero(mask))
            assert community is not None
            return int(community.size)
        assert community is not None
        picked = community if mask is None else community[mask]
        return np.bincount(picked, minlength=self.k)

    def sum(self, values: np.ndarray, community: np.ndarray | None) -> PerCommunity:
        """Per-community sums of ``values``, each exactly numpy's sum of that community's
        values in their order (community sorted ascending, as the books keep it)."""
        if self.one:
            return values.sum()
        return segment_sums(values, community, self.k)

    def fill(self, cost: np.ndarray, capacity: PerCommunity,
             community: np.ndarray | None) -> tuple[np.ndarray, PerCommunity]:
        """``prefix_fill`` in each community, and what each community filled in total
        (exactly numpy's sum of its fills)."""
        if self.one:
            filled = prefix_fill(cost, capacity)
            return filled, filled.sum()
        if cost.size == 0:
            return np.zeros_like(cost), np.zeros(self.k)
        assert community is not None
        # A community whose budget is used up fills nothing (as prefix_fill); about a
        # quarter of calls find every budget empty and a third of the cases sit in one.
        open_budget = capacity[community] > 0
        if not open_budget.all():
            filled, totals = np.zeros_like(cost), np.zeros(self.k)
            if open_budget.any():
                filled[open_budget], totals = self.fill(cost[open_budget], capacity,
                                                        community[open_budget])
            return filled, totals
        bounds = np.flatnonzero(community[1:] != community[:-1]) + 1
        if bounds.size < _FEW_RUNS:   # a few communities: each alone, as one community does
            filled, totals = np.empty_like(cost), np.zeros(self.k)
            edges = [0, *bounds.tolist(), cost.size]
            for a, b in pairwise(edges):
                k = int(community[a])
                filled[a:b] = part = prefix_fill(cost[a:b], capacity[k])
                totals[k] = part.sum()
            return filled, totals
        runs = Runs(community)
        matrix = runs.matrix(cost)
        before = np.cumsum(matrix, axis=1) - matrix
        # capacity - before is never -0.0 where capacity > 0; where it is 0 the fill is 0.
        filled = np.minimum(np.maximum(capacity[runs.which][:, None] - before, 0.0), matrix)
        totals = np.zeros(self.k)
        totals[runs.which] = runs.sums(filled)
        return runs.values(filled), totals

    def total(self, community: np.ndarray | None, values: np.ndarray) -> PerCommunity:
        """Per-community totals of integer values (exact in any order), as floats."""
        if self.one or community is None:
            return float(values.sum())
        return np.bincount(community, values, minlength=self.k)

    def weighted_count(self, community: np.ndarray | None, weights: np.ndarray, width: int,
                       kind: np.ndarray) -> np.ndarray:
        """``np.bincount(kind, weights, minlength=width)`` per community (sums in order):
        shape (width,) for one community, (K, width) for several."""
        if self.one or community is None:
            return np.bincount(kind, weights, minlength=width)
        return np.bincount(community * width + kind, weights,
                           minlength=self.k * width).reshape(self.k, width)

    # --- residents ---------------------------------------------------------------------
    def count_residents(self, flags: np.ndarray) -> PerCommunity:
        """Residents per community for whom ``flags`` holds (one flag per resident)."""
        if self.one:
            return int(np.count_nonzero(flags))
        return np.array([np.count_nonzero(flags[a:b]) for a, b in self.ranges])

    def segments(self, residents: np.ndarray) -> np.ndarray:
        """Bounds of each community's part of a sorted array of residents: community k's
        are ``residents[bounds[k]:bounds[k + 1]]``."""
        return np.searchsorted(residents, self.first)

    def draw_uniform(self, generators: Sequence[np.random.Generator],
                     residents: np.ndarray) -> np.ndarray:
        """One uniform number per resident of a sorted array, each from the generator of
        the resident's community (in order: what each community alone would draw)."""
        if self.one:
            return generators[0].random(residents.size)
        bounds = self.segments(residents)
        return np.concatenate([g.random(n) for g, n in zip(generators, np.diff(bounds).tolist(),
                                                           strict=True)])


def prefix_fill(cost: np.ndarray, capacity: float) -> np.ndarray:
    """Fill costs in order until capacity runs out; the boundary item gets the remainder."""
    if cost.size == 0 or capacity <= 0:
        return np.zeros_like(cost)
    before = cost.cumsum() - cost
    # np.clip(capacity - before, 0.0, cost), without np.clip's Python-level overhead (the
    # same numbers: capacity - before is never -0.0, as capacity > 0).
    return np.minimum(np.maximum(capacity - before, 0.0), cost)


class Runs:
    """Cases sorted by community as runs (one per community present), laid out as the rows
    of a zero-padded matrix: the sums numpy would make of each community's cases alone,
    for all communities at once. (Zeros after a run change none of its sums.)"""

    def __init__(self, community: np.ndarray):
        n = community.size
        change = np.concatenate([[False], community[1:] != community[:-1]])
        self.rows = np.cumsum(change)                 # the run of each case
        self.starts = np.flatnonzero(change | (np.arange(n) == 0))
        self.lengths = np.diff(np.concatenate([self.starts, [n]]))
        self.which = community[self.starts]
        self.cols = np.arange(n) - self.starts[self.rows]
        # room for every run, a multiple of the 8 lanes, and a block of zeros after it
        self.width = (int(self.lengths.max()) // _LANES + 1) * _LANES

    def matrix(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((self.starts.size, self.width))
        out[self.rows, self.cols] = values
        return out

    def values(self, matrix: np.ndarray) -> np.ndarray:
        return matrix[self.rows, self.cols]

    def sums(self, matrix: np.ndarray) -> np.ndarray:
        """Each row's sum as numpy sums its run: one by one below 8 elements; up to 128 in
        8 lanes combined pairwise, then the rest one by one; longer runs by numpy itself."""
        lengths = self.lengths
        blocks = lengths // _LANES
        total = np.zeros(lengths.size)
        laned = blocks > 0
        if laned.any():
            lanes = np.cumsum(matrix.reshape(lengths.size, -1, _LANES), axis=1)[
                np.flatnonzero(laned), blocks[laned] - 1]
            total[laned] = ((lanes[:, 0] + lanes[:, 1]) + (lanes[:, 2] + lanes[:, 3])) \
                + ((lanes[:, 4] + lanes[:, 5]) + (lanes[:, 6] + lanes[:, 7]))
        rest = matrix[np.arange(lengths.size)[:, None],
                      blocks[:, None] * _LANES + np.arange(_LANES - 1)]
        for j in range(_LANES - 1):   # the rest of each run (then zeros: they add nothing)
            total += rest[:, j]
        for i in np.flatnonzero(lengths > _BLOCK).tolist():   # long runs: numpy's own sum
            total[i] = matrix[i, : lengths[i]].sum()
        return total


def segment_sums(values: np.ndarray, community: np.ndarray | None, k: int) -> np.ndarray:
    """Per-community sums (K of them, 0 where a community has no value), each exactly
    ``values_of_that_community.sum()``: numpy's pairwise summation, run by run (values
    grouped by community, in order within each)."""
    out = np.zeros(k)
    if values.size == 0:
        return out
    assert community is not None
    if community.size > 1 and (community[1:] < community[:-1]).any():
        order = np.argsort(community, kind="stable")
        values, community = values[order], community[order]
    runs = Runs(community)
    out[runs.which] = runs.sums(runs.matrix(values))
    return out
