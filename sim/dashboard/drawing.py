"""Matplotlib drawings for the dashboard: the resident network and the time-series charts.

The figures carry no text (only tick numbers): titles and legends are HTML on the page, so
they switch language instantly and need no CJK font on the server.

Speed matters: the page must redraw two networks and the charts in well under 0.5 s for a
8,000-resident community. So the layout is computed once per reset (and cached by graph),
above ``MAX_DRAWN_NODES`` residents only a connected sample of the network is drawn, and each
picture keeps its matplotlib figure: a new day only recolours the dots or moves the lines.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server; we only ever write PNG bytes

import networkx as nx
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.dashboard.colours import NODE_COLOURS, VOLUNTEER_RING

MAX_DRAWN_NODES = 450
"""Above this many residents the network view shows a sample of this size (stated on screen).

Kept under 500 because networkx's spring layout switches to a sparse solver at 500 nodes that
is about four times slower here (0.6 s vs 2.2 s per reset on 2 cores).
"""


@dataclass(frozen=True, eq=False)  # compared by identity: one view per laid-out graph
class NetworkView:
    """What to draw of one resident network: which nodes, where, and the edges between them."""

    nodes: np.ndarray  # resident ids drawn (all of them, or a sample)
    xy: np.ndarray  # (len(nodes), 2) positions
    segments: np.ndarray  # (edges, 2, 2) line segments between drawn nodes
    total: int  # residents in the community

    @property
    def sampled(self) -> bool:
        """True if only part of the network is drawn."""
        return len(self.nodes) < self.total


def network_view(graph: nx.Graph, seed: int, max_nodes: int = MAX_DRAWN_NODES) -> NetworkView:
    """Choose the drawn nodes and lay them out; cached, since resets often keep the same graph."""
    edges = np.asarray(sorted(tuple(sorted(e)) for e in graph.edges()), dtype=np.int64)
    return _network_view(graph.number_of_nodes(), edges.tobytes(), seed, max_nodes)


@functools.lru_cache(maxsize=8)
def _network_view(n: int, edge_bytes: bytes, seed: int, max_nodes: int) -> NetworkView:
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(np.frombuffer(edge_bytes, dtype=np.int64).reshape(-1, 2).tolist())
    nodes = _snowball_sample(graph, max_nodes, seed) if n > max_nodes else list(range(n))
    sub = graph.subgraph(nodes)
    # Spring layout is O(n^2) per iteration; on at most max_nodes nodes it takes well under
    # a second.
    pos = nx.spring_layout(sub, seed=seed % 2**32)  # networkx seeds must fit in 32 bits
    xy = np.array([pos[v] for v in nodes]).reshape(-1, 2)
    segments = np.array([(pos[u], pos[v]) for u, v in sub.edges()]).reshape(-1, 2, 2)
    return NetworkView(np.asarray(nodes, dtype=np.int64), xy, segments, n)


def _snowball_sample(graph: nx.Graph, size: int, seed: int) -> list[int]:
    """Breadth-first sample from random start residents: a connected neighbourhood, not
    scattered dots."""
    rng = np.random.default_rng(seed)
    chosen: dict[int, None] = {}  # insertion-ordered set
    for start in rng.permutation(graph.number_of_nodes()).tolist():
        if len(chosen) >= size:
            break
        if start in chosen:
            continue
        for v in nx.bfs_tree(graph, start):
            if v not in chosen:
                chosen[v] = None
                if len(chosen) >= size:
                    break
    return sorted(chosen)


def node_colours(states: dict[str, np.ndarray]) -> np.ndarray:
    """One fill colour per resident: the dispute stage if any, else an open need, else none."""
    stage = np.asarray(states["dispute_stage"])
    colours = np.full(stage.shape, NODE_COLOURS["none"], dtype=object)
    colours[np.asarray(states["open_need"], dtype=bool)] = NODE_COLOURS["need"]
    for s in (1, 2, 3, 4):
        colours[stage == s] = NODE_COLOURS[s]
    return colours


def state_counts(states: dict[str, np.ndarray]) -> dict[str, int]:
    """Counts over all residents, for the legend (the drawing may show only a sample)."""
    stage = np.asarray(states["dispute_stage"])
    need = np.asarray(states["open_need"], dtype=bool)
    counts = {
        "legend_none": int(((stage == 0) & ~need).sum()),
        "legend_need": int((need & (stage == 0)).sum()),
    }
    for s in (1, 2, 3, 4):
        counts[f"legend_dispute_{s}"] = int((stage == s).sum())
    counts["legend_volunteer"] = int(np.asarray(states["volunteer"], dtype=bool).sum())
    return counts


class NetworkPicture:
    """The drawn network of one community; each ``png`` call recolours the residents.

    Residents with an open need or dispute are drawn larger and on top: they are few, and
    they are what policy staff look for. Volunteers get a green ring.
    """

    def __init__(self, view: NetworkView):
        self.view = view
        self.size = 36 if len(view.nodes) <= 200 else 18
        self.figure = Figure(figsize=(5.2, 4.0), dpi=80)
        ax = self.figure.add_axes((0.01, 0.01, 0.98, 0.98))
        ax.set_axis_off()
        edges = LineCollection(view.segments, colors="#dfe3e8", linewidths=0.6, zorder=0)
        ax.add_collection(edges)
        self.dots = ax.scatter(*view.xy.T, s=self.size, zorder=1)  # residents over the ties
        ax.autoscale_view()
        self._lock = threading.Lock()  # one figure, possibly drawn from the play thread

    def png(self, states: dict[str, np.ndarray]) -> bytes:
        """PNG of the network with the residents in ``states``' colours."""
        fill = node_colours(states)[self.view.nodes]
        volunteer = np.asarray(states["volunteer"], dtype=bool)[self.view.nodes]
        issue = fill != NODE_COLOURS["none"]
        size = np.where(issue, 4.0, np.where(volunteer, 1.6, 1.0)) * self.size
        ring = np.where(volunteer, VOLUNTEER_RING, np.where(issue, "#333333", "white"))
        width = np.where(volunteer, 1.8, np.where(issue, 0.8, 0.4))
        order = np.lexsort((volunteer, issue))  # plain dots first, issues last (on top)
        with self._lock:
            self.dots.set_offsets(self.view.xy[order])
            self.dots.set_facecolors(list(fill[order]))
            self.dots.set_edgecolors(list(ring[order]))
            self.dots.set_linewidths(width[order])
            self.dots.set_sizes(size[order])
            return _png(self.figure)


class SeriesPicture:
    """Line chart of one daily share for every community, with markers at trust crises.

    ``styles`` maps regime -> (colour, dashes); a regime absent from the frames draws nothing.
    """

    def __init__(self, column: str, styles: dict[str, tuple[str, tuple | None]]):
        self.column = column
        self.figure = Figure(figsize=(5.6, 2.6), dpi=80)
        ax = self.ax = self.figure.add_axes((0.12, 0.14, 0.85, 0.8))
        self.lines = {}
        for regime, (colour, dashes) in styles.items():
            (line,) = ax.plot([], [], color=colour, linewidth=2)
            if dashes:
                line.set_dashes(dashes)
            self.lines[regime] = line
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
        ax.grid(alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        self.markers: list = []
        self.fills: list = []
        self._lock = threading.Lock()

    def png(
        self, frames: dict, events: dict[str, list[int]] | None = None, band: dict | None = None
    ) -> bytes:
        """PNG of the series in ``frames`` (regime -> daily DataFrame), with a vertical
        line at each day in ``events`` (kind -> days; see ``event_days``). With ``band``
        (regime -> ``pairs_band`` frame, after N pairs) each line is the mean over the
        pairs, with their 10-90% range shaded."""
        with self._lock:
            for fill in self.fills:
                fill.remove()
            self.fills = []
            for regime, line in self.lines.items():
                frame = frames.get(regime)
                if band is not None:
                    frame = band.get(regime)
                    if frame is not None and ("mean", self.column) in frame:
                        days = frame.index.to_numpy()
                        line.set_data(days, frame[("mean", self.column)].to_numpy())
                        self.fills.append(
                            self.ax.fill_between(
                                days,
                                frame[("low", self.column)].to_numpy(),
                                frame[("high", self.column)].to_numpy(),
                                color=line.get_color(),
                                alpha=0.15,
                                linewidth=0,
                            )
                        )
                    else:
                        line.set_data([], [])
                elif frame is not None and len(frame) and self.column in frame:
                    line.set_data(frame["day"].to_numpy(), frame[self.column].to_numpy())
                else:
                    line.set_data([], [])
            for marker in self.markers:
                marker.remove()
            self.markers = [
                self.ax.axvline(day, color="#444444", linewidth=1, linestyle=EVENT_STYLES[kind])
                for kind, days in (events or {}).items()
                for day in days
            ]
            self.ax.relim()
            self.ax.autoscale_view()
            # auto=None: pin the origin without switching autoscaling off for the next day
            self.ax.set_xlim(left=0, right=max(self.ax.get_xlim()[1], 10), auto=None)
            self.ax.set_ylim(bottom=0, top=max(self.ax.get_ylim()[1], 0.01), auto=None)
            return _png(self.figure)


EVENT_STYLES = {"trust": "--", "emergency": ":"}
EVENT_COLUMNS = {"trust": "trust_shocks", "emergency": "emergency_shocks"}
"""Daily columns counting shocks, if the model records them (marker kind -> column)."""


def event_days(frames: dict) -> dict[str, list[int]]:
    """Days of charity trust crises and emergencies, read from the daily series.

    A daily count column (``EVENT_COLUMNS``) is used where the model records one; trust
    crises are otherwise read from donor trust, which only ever falls at a scandal
    (scandals come from their own random stream, so every regime with charity sees the
    same days).
    """
    found: dict[str, set[int]] = {kind: set() for kind in EVENT_STYLES}
    for frame in frames.values():
        if frame is None or not len(frame):
            continue
        days = frame["day"].to_numpy()
        for kind, column in EVENT_COLUMNS.items():
            if column in frame:
                rises = np.diff(frame[column].fillna(0).to_numpy(), prepend=0) > 0
                found[kind].update(days[rises].tolist())
        if EVENT_COLUMNS["trust"] not in frame and "donor_trust" in frame:
            trust = frame["donor_trust"].to_numpy(dtype=float)
            drops = np.flatnonzero(np.diff(trust) < -1e-9) + 1
            found["trust"].update(days[drops].tolist())
    return {kind: sorted(days) for kind, days in found.items() if days}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # light compression: these images are sent on every step, over localhost
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def pairs_band(daily, columns=("unmet_need_share", "dispute_escalation_share")) -> dict:
    """Per regime and day: mean and 10-90% range over the pairs of each column."""
    import pandas as pd

    out = {}
    for regime, frame in daily.groupby("regime"):
        grouped = frame.groupby("day")[[c for c in columns if c in frame]]
        out[regime] = pd.concat(
            {"mean": grouped.mean(), "low": grouped.quantile(0.1), "high": grouped.quantile(0.9)},
            axis=1,
        )
    return out


SWEEP_STYLES = {"three": ("#a84d00", None), "three-equal-resources-matched": ("#8a3b73", (6, 2))}
"""five minus each comparison in the sweep: five's colour, solid against three; the
matched control's colour, dashed."""


class SweepPicture:
    """Five's difference against the swept assumption: a line and its 95% band per
    comparison, zero, the break-even points with their bootstrap intervals (diamonds), and
    the officer's setting (a dotted vertical line). Tick numbers only: the words are HTML."""

    def __init__(self):
        self.figure = Figure(figsize=(6.4, 3.0), dpi=80)
        self.ax = self.figure.add_axes((0.12, 0.14, 0.85, 0.8))
        self._lock = threading.Lock()

    def png(self, curves, table, current: float, share: bool) -> bytes:
        with self._lock:
            ax = self.ax
            ax.clear()
            ax.axhline(0, color="black", linewidth=0.9)
            for comparison, (colour, dashes) in SWEEP_STYLES.items():
                label = f"five - {comparison}"
                part = curves[curves["comparison"] == label].sort_values("level")
                if part.empty:
                    continue
                (line,) = ax.plot(
                    part["level"], part["mean"], "o-", color=colour, linewidth=2, markersize=4
                )
                if dashes:
                    line.set_dashes(dashes)
                ax.fill_between(
                    part["level"],
                    part["ci_low"],
                    part["ci_high"],
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                )
                row = table[table["comparison"] == label]
                if len(row) and np.isfinite(row["break_even"].iloc[0]):
                    r = row.iloc[0]
                    low = r["break_even"] - r["ci_low"] if np.isfinite(r["ci_low"]) else 0.0
                    high = r["ci_high"] - r["break_even"] if np.isfinite(r["ci_high"]) else 0.0
                    ax.errorbar(
                        r["break_even"],
                        0,
                        xerr=[[max(low, 0)], [max(high, 0)]],
                        fmt="D",
                        color=colour,
                        markersize=8,
                        capsize=4,
                        markeredgecolor="black",
                    )
            ax.axvline(current, color="#222222", linestyle=":", linewidth=2)
            if share:
                ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
            ax.grid(alpha=0.3)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            return _png(self.figure)
