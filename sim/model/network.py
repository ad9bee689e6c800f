"""The residents' social network: generated, loaded from a file, or handed in as a graph.

The default 'community' generator builds households (cliques) inside buildings, ties
between some households of the same building, and a few random shortcuts across
buildings, which makes a clustered small world like an urban residential compound.
Everything is vectorised so that 100,000 residents build in well under a second.

The model computes on the edge list and a sparse adjacency matrix; the networkx graph is
built only when someone asks for it (drawing, export, a Mesa ``Network`` space).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .params import ConfigError, Params


@dataclass
class Community:
    """Who lives where and who knows whom: households, buildings and ties.

    ``ages`` holds ages in years from a graph's ``age`` node attribute (NaN where absent),
    so that a user's data can fix who is 60+ or a child; a generated network has none. A
    street's communities side by side are one Community (``join_communities``): their
    residents, households and buildings numbered one community after another, no tie
    between two communities; a user graph's labels are then (community, label).
    """

    household: np.ndarray  # household index per resident
    building: np.ndarray  # building index per resident
    edges: np.ndarray  # (m, 2) int array, u < v, sorted, no duplicates
    ages: np.ndarray | None = None
    labels: list | None = None  # a user graph's own node ids, in the order of rows
    _graph: nx.Graph | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.household.size

    @cached_property
    def adjacency(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency matrix (n x n)."""
        e, n = self.edges, self.n
        ones = np.ones(2 * len(e))
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        return sp.csr_matrix((ones, (rows, cols)), shape=(n, n))

    def neighbours(self, who: np.ndarray) -> np.ndarray:
        """The neighbours of residents ``who``, row after row: ``adjacency[who].indices``,
        read straight from the matrix's arrays (slicing a sparse matrix costs some 20 us
        even for one row, and volunteers come and go every day)."""
        adj = self.adjacency
        start = adj.indptr[who]
        count = adj.indptr[who + 1] - start
        # Entry k of the result is entry (k - first entry of its row) of its row.
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        return adj.indices[np.repeat(start, count) + offset]

    @property
    def graph(self) -> nx.Graph:
        """The network as a networkx Graph (nodes 0..n-1), built on first use."""
        if self._graph is None:
            graph = nx.Graph()
            graph.add_nodes_from(range(self.n))
            graph.add_edges_from(self.edges.tolist())
            self._graph = graph
        return self._graph


def join_communities(parts: list[Community]) -> Community:
    """The communities of a street side by side as one network without ties between them:
    residents, households and buildings numbered community after community."""
    if len(parts) == 1:
        return parts[0]
    first = np.cumsum([0] + [c.n for c in parts[:-1]])
    households = np.cumsum([0] + [int(c.household.max()) + 1 for c in parts[:-1]])
    buildings = np.cumsum([0] + [int(c.building.max()) + 1 for c in parts[:-1]])
    ages = None if all(c.ages is None for c in parts) else np.concatenate(
        [c.ages if c.ages is not None else np.full(c.n, np.nan) for c in parts])
    labels = None if all(c.labels is None for c in parts) else [
        (k, label) for k, c in enumerate(parts) for label in (c.labels or range(c.n))]
    return Community(
        household=np.concatenate([c.household + h for c, h in zip(parts, households,
                                                                   strict=True)]),
        building=np.concatenate([c.building + b for c, b in zip(parts, buildings, strict=True)]),
        edges=np.concatenate([c.edges + f for c, f in zip(parts, first, strict=True)]),
        ages=ages, labels=labels)


def build_community(params: Params, rng: np.random.Generator,
                    graph: nx.Graph | None = None) -> Community:
    """Generate the network named by ``params``, or use ``graph`` or ``params.network_file``."""
    if graph is None and params.network_file:
        from .graphfile import load_graph
        graph = load_graph(params.network_file)
    if graph is not None:
        return community_from_graph(graph, params)
    n = params.n_residents
    household = _household_index(n, params.household_size_mean, rng)
    building = household // params.households_per_building
    if params.network_generator == "watts_strogatz":
        k = min(params.ws_neighbours, n - 1 - (n - 1) % 2)
        ws = nx.watts_strogatz_graph(n, k, params.ws_rewire_prob, seed=_nx_seed(rng))
        return Community(household, building, _edge_array(ws), _graph=ws)
    edges = _community_edges(household, building, params, rng)
    return Community(household, building, edges)


def community_from_graph(graph: nx.Graph, params: Params) -> Community:
    """A community from a user's graph: nodes relabelled 0..n-1 in sorted order.

    Node attributes are used when present: ``household`` and ``building`` (any labels) group
    residents; ``age`` (years) fixes who is 60+ or a child. Without them each resident is a
    household of their own and pseudo-buildings are runs of ``households_per_building``
    consecutive nodes (documented in docs/ODD.md).
    """
    if not isinstance(graph, nx.Graph):
        raise ConfigError(f"graph: expected a networkx Graph, got {type(graph).__name__}")
    graph = nx.Graph(graph)  # undirected, simple
    graph.remove_edges_from(nx.selfloop_edges(graph))
    if graph.number_of_nodes() < 2 or graph.number_of_edges() < 1:
        raise ConfigError("graph: must contain at least 2 nodes and 1 edge")
    n = graph.number_of_nodes()
    if set(graph.nodes) != set(range(n)):  # relabel 0..n-1, keeping the user's ids as 'label'
        try:
            graph = nx.convert_node_labels_to_integers(graph, ordering="sorted",
                                                       label_attribute="label")
        except TypeError:  # labels of mixed types cannot be sorted: keep insertion order
            graph = nx.convert_node_labels_to_integers(graph, label_attribute="label")
    nodes = range(n)
    household = _labels(graph, nodes, "household")
    if household is None:
        household = np.arange(n)
    building = _labels(graph, nodes, "building")
    if building is None:
        building = np.arange(n) // max(params.households_per_building, 1)
    ages = _ages(graph, nodes)
    labels = [graph.nodes[v].get("label", v) for v in nodes]
    return Community(household, building, _edge_array(graph), ages=ages, labels=labels,
                     _graph=graph)


def _labels(graph: nx.Graph, nodes, key: str) -> np.ndarray | None:
    """Integer codes of a node attribute present on every node, else None."""
    values = [graph.nodes[v].get(key) for v in nodes]
    if any(v is None for v in values):
        return None
    _, codes = np.unique(np.array([str(v) for v in values]), return_inverse=True)
    return codes.astype(np.int64)


def _ages(graph: nx.Graph, nodes) -> np.ndarray | None:
    values = [graph.nodes[v].get("age") for v in nodes]
    if all(v is None for v in values):
        return None
    try:
        ages = np.array([np.nan if v is None else float(v) for v in values])
    except (TypeError, ValueError):
        raise ConfigError("graph: node attribute 'age' must be a number of years") from None
    if np.any(ages[np.isfinite(ages)] < 0):
        raise ConfigError("graph: node attribute 'age' must not be negative")
    return ages


def _nx_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _edge_array(graph: nx.Graph) -> np.ndarray:
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    return _unique_rows(np.sort(edges, axis=1))


def _unique_rows(edges: np.ndarray) -> np.ndarray:
    """``np.unique(edges, axis=0)`` for non-negative pairs: the same rows in the same order
    (sorted by first, then second), from one sort of (first x n + second) instead of a sort
    of rows, which numpy does far more slowly."""
    if edges.size == 0:
        return np.unique(edges, axis=0)
    n = int(edges.max()) + 1
    keys = np.sort(edges[:, 0] * n + edges[:, 1])
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    return np.stack([keys // n, keys % n], axis=1)


def _household_index(n: int, mean_size: float, rng: np.random.Generator) -> np.ndarray:
    """Consecutive residents form households of size 1 + Poisson(mean - 1)."""
    sizes = 1 + rng.poisson(max(mean_size - 1.0, 0.0), size=n)
    return np.repeat(np.arange(n), sizes)[:n]


def _community_edges(household, building, params: Params, rng) -> np.ndarray:
    n = len(household)
    parts = [_within_household(household), _within_building(household, building, params, rng),
             _shortcuts(n, building, params.shortcut_ties_per_resident, rng)]
    edges = np.sort(np.concatenate(parts), axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    return _unique_rows(edges)


def _within_household(household: np.ndarray) -> np.ndarray:
    """All pairs of residents sharing a household (households are small, so pairs are few)."""
    start = np.flatnonzero(np.r_[True, household[1:] != household[:-1]])
    size = np.diff(np.r_[start, len(household)])
    pairs = []
    for s in range(2, int(size.max(initial=1)) + 1):
        base = start[size == s]
        if base.size == 0:
            continue
        iu, ju = np.triu_indices(s, k=1)
        pairs.append(np.stack([(base[:, None] + iu).ravel(), (base[:, None] + ju).ravel()], 1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), np.int64)


def _within_building(household, building, params: Params, rng) -> np.ndarray:
    """Tie a random member of each of two households of one building, with building_tie_prob."""
    hh_first = np.flatnonzero(np.r_[True, household[1:] != household[:-1]])
    hh_size = np.diff(np.r_[hh_first, len(household)])
    hh_building = building[hh_first]
    per_building = np.bincount(hh_building)
    pairs = []
    for size in np.unique(per_building):
        blds = np.flatnonzero(per_building == size)
        if size < 2 or blds.size == 0:
            continue
        iu, ju = np.triu_indices(size, k=1)
        first_hh = np.searchsorted(hh_building, blds)
        a = (first_hh[:, None] + iu).ravel()
        b = (first_hh[:, None] + ju).ravel()
        keep = rng.random(a.size) < params.building_tie_prob
        a, b = a[keep], b[keep]
        ma = hh_first[a] + (rng.random(a.size) * hh_size[a]).astype(np.int64)
        mb = hh_first[b] + (rng.random(b.size) * hh_size[b]).astype(np.int64)
        pairs.append(np.stack([ma, mb], 1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), np.int64)


def _shortcuts(n: int, building, ties_per_resident: float, rng) -> np.ndarray:
    """Random ties across the community: the small-world shortcuts."""
    m = rng.poisson(ties_per_resident * n / 2)
    a = rng.integers(0, n, size=m)
    b = rng.integers(0, n, size=m)
    keep = building[a] != building[b]
    return np.stack([a[keep], b[keep]], 1)
