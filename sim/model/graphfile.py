"""Reading a user's network file: GraphML, or an edge list with one tie per line.

Edge list format (any suffix other than ``.graphml``)::

    # comments start with '#', anywhere on a line
    alice bob          two node ids separated by whitespace
    bob carol 0.5      optionally a numeric weight (kept as the edge attribute 'weight')

A line that is not two node ids (plus an optional finite number) is refused with its line
number: a file that says something else must not silently become a different network.
GraphML node attributes (for example ``household``, ``building``, ``age``) are kept.
Nodes are relabelled 0..n-1 in sorted order of their ids.

Every problem raises ``ConfigError`` with one line naming the file (a bounded prefix of
its path) and the reason.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import networkx as nx

from .errors import ConfigError, quote, read_bytes, shown
from .params import PARAM_SPECS

GRAPHML_SUFFIX = ".graphml"


def load_graph(path: str | Path) -> nx.Graph:
    """Read a GraphML file or an edge list and relabel nodes 0..n-1 (sorted by id).

    Raises ConfigError with a one-line reason for a missing, unreadable or malformed file,
    and for a graph whose size is outside the allowed number of residents.
    """
    file = Path(path)
    if file.suffix.lower() == GRAPHML_SUFFIX:
        # XML declares its own encoding
        graph = _parse_graphml(file, read_bytes(file, "network_file"))
    else:
        graph = parse_edge_list(_decode(file, read_bytes(file, "network_file")), file)
    graph = nx.Graph(graph)  # drop direction and parallel edges, keep attributes
    graph.remove_edges_from(nx.selfloop_edges(graph))
    _check_size(file, graph)
    return nx.convert_node_labels_to_integers(graph, ordering="sorted", label_attribute="label")


def file_sha256(path: str | Path) -> str:
    """Content hash of an input file (recorded in experiment manifests)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _where(file: Path) -> str:
    return f"network_file {shown(file)}"


def _decode(file: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_where(file)}: not UTF-8 text (byte {exc.start})") from None


def _parse_graphml(file: Path, data: bytes) -> nx.Graph:
    try:
        return nx.parse_graphml(data)
    except Exception as exc:  # noqa: BLE001 - networkx and the XML parser raise many types
        reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{_where(file)}: not valid GraphML ({shown(reason)})") \
            from None


def parse_edge_list(text: str, file: Path | str = "<text>") -> nx.Graph:
    """Parse edge-list text (see the module docstring); refuse any other line."""
    graph = nx.Graph()
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) not in (2, 3) or (len(fields) == 3 and _weight(fields[2]) is None):
            raise ConfigError(f"{_where(Path(file))}: line {number}: expected two node ids and "
                              f"an optional numeric weight, got {quote(line.strip())}")
        if len(fields) == 3:
            graph.add_edge(fields[0], fields[1], weight=_weight(fields[2]))
        else:
            graph.add_edge(fields[0], fields[1])
    return graph


def _weight(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_size(file: Path, graph: nx.Graph) -> None:
    """At least one tie, and as many nodes as the model accepts residents (one per node):
    the graph sets ``n_residents``, so its range is the graph's."""
    n = graph.number_of_nodes()
    if n < 2 or graph.number_of_edges() < 1:
        raise ConfigError(f"{_where(file)}: must contain at least 2 nodes and 1 edge "
                          f"(found {n} nodes, {graph.number_of_edges()} edges)")
    spec = PARAM_SPECS["n_residents"]
    low, high = int(spec.min or 1), spec.max
    if n < low or (high is not None and n > high):
        raise ConfigError(f"{_where(file)}: a graph of {n:,} nodes; it must have "
                          f"{low:,} to {int(high or n):,} nodes (one resident per node, "
                          "the range of n_residents)")
