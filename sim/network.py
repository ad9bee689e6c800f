"""The residents' social network: generated, or loaded from a user's file.

The default 'community' generator builds households (cliques) inside buildings,
ties between some households of the same building, and a few random shortcuts across
buildings, which makes a clustered small world like an urban residential compound.
Everything is vectorised so that 100,000 residents build in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from sim.params import ConfigError, Params


@dataclass
class Community:
    """Network plus the grouping of residents into households and buildings."""

    graph: nx.Graph
    household: np.ndarray  # household index per resident
    building: np.ndarray  # building index per resident
    edges: np.ndarray  # (m, 2) int array, u < v


def build_community(params: Params, rng: np.random.Generator) -> Community:
    """Generate or load the network named by ``params``."""
    if params.network_file:
        graph = load_graph(params.network_file)
        n = graph.number_of_nodes()
        household = np.arange(n)  # unknown households: each resident their own
        building = _buildings_from_components(graph, params.households_per_building)
        return Community(graph, household, building, _edge_array(graph))
    n = params.n_residents
    household = _household_index(n, params.household_size_mean, rng)
    building = household // params.households_per_building
    if params.network_generator == "watts_strogatz":
        k = min(params.ws_neighbours, n - 1 - (n - 1) % 2)
        graph = nx.watts_strogatz_graph(n, k, params.ws_rewire_prob, seed=_nx_seed(rng))
        edges = _edge_array(graph)
    else:
        edges = _community_edges(household, building, params, rng)
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(edges.tolist())
    return Community(graph, household, building, edges)


from sim.graphfile import load_graph


def _nx_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def _edge_array(graph: nx.Graph) -> np.ndarray:
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    return np.sort(edges, axis=1)


def _household_index(n: int, mean_size: float, rng: np.random.Generator) -> np.ndarray:
    """Consecutive residents form households of size 1 + Poisson(mean - 1)."""
    sizes = 1 + rng.poisson(max(mean_size - 1.0, 0.0), size=n)
    return np.repeat(np.arange(n), sizes)[:n]


def _community_edges(household, building, params: Params, rng) -> np.ndarray:
    n = len(household)
    parts = [_within_household(household), _within_building(household, building, params, rng),
             _shortcuts(n, building, params.shortcut_ties_per_resident, rng)]
    edges = np.concatenate(parts)
    edges = np.sort(edges, axis=1)
    edges = edges[edges[:, 0] != edges[:, 1]]
    return np.unique(edges, axis=0)


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
    pairs = []
    for size in np.unique(np.bincount(hh_building)):
        blds = np.flatnonzero(np.bincount(hh_building) == size)
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


def _buildings_from_components(graph: nx.Graph, size: int) -> np.ndarray:
    """For a loaded network, group residents into pseudo-buildings of consecutive node ids."""
    return np.arange(graph.number_of_nodes()) // max(size, 1)
