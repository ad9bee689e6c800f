"""Reading a user's network file: GraphML, or a whitespace-separated edge list."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from sim.params import ConfigError


def load_graph(path: str) -> nx.Graph:
    """Read a GraphML file or an edge list (``u v`` per line, ``#`` comments).

    Raises ConfigError with a one-line reason for a missing, unreadable or malformed file.
    Node attributes of a GraphML file are kept.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"network_file: file not found: {path}")
    try:
        if file.suffix.lower() == ".graphml":
            graph = nx.read_graphml(file)
        else:
            graph = nx.read_edgelist(file, comments="#", data=False)
    except Exception as exc:  # networkx raises many types for malformed input
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"network_file: cannot parse {path}: {reason}") from None
    graph = nx.Graph(graph)  # drop direction and parallel edges
    graph.remove_edges_from(nx.selfloop_edges(graph))
    if graph.number_of_nodes() < 2 or graph.number_of_edges() < 1:
        raise ConfigError(f"network_file: {path} must contain at least 2 nodes and 1 edge")
    return graph
