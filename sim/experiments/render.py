"""Documents as a list of blocks (heading, text, table, figure), rendered to Markdown and
HTML from the same blocks so the two always say the same thing. Used by ``sim report``
and ``sim discover``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import atomic_write


@dataclass
class Block:
    kind: str               # "h2" | "h3" | "p" | "table" | "figure" | "pre"
    content: object


def write_document(out: Path, name: str, title: str, blocks: list[Block]) -> Path:
    """Write ``out/name.md`` and ``out/name.html`` (atomically); return the Markdown path.
    Figures are expected in ``out/figures``."""
    md = Path(out) / f"{name}.md"
    for path, text in ((md, markdown(title, blocks)),
                       (md.with_suffix(".html"), to_html(title, blocks))):
        atomic_write(path, lambda tmp, t=text: Path(tmp).write_text(t, encoding="utf-8"))
    return md


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(text))


def fmt(value) -> str:
    """A table cell: 4 significant digits for floats, empty for missing values."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


def markdown(title: str, blocks: list[Block]) -> str:
    lines = [f"# {title}", ""]
    for b in blocks:
        if b.kind in ("h2", "h3"):
            lines += [("## " if b.kind == "h2" else "### ") + str(b.content), ""]
        elif b.kind == "p":
            lines += [str(b.content), ""]
        elif b.kind == "pre":
            lines += ["```", str(b.content).rstrip("\n"), "```", ""]
        elif b.kind == "figure":
            lines += [f"![{b.content.stem}](figures/{b.content.name})", ""]
        elif b.kind == "table":
            df = b.content
            lines.append("| " + " | ".join(map(str, df.columns)) + " |")
            lines.append("|" + "---|" * len(df.columns))
            lines += ["| " + " | ".join(fmt(v).replace("|", "/") for v in row) + " |"
                      for row in df.itertuples(index=False)]
            lines.append("")
    return "\n".join(lines)


def to_html(title: str, blocks: list[Block]) -> str:
    e = html.escape
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
             "padding:2px 6px}img{max-width:100%}pre{background:#f6f6f6;padding:6px}")
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(title)}</title>", f"<style>{style}</style></head><body>",
             f"<h1>{e(title)}</h1>"]
    for b in blocks:
        if b.kind in ("h2", "h3"):
            parts.append(f"<{b.kind}>{e(str(b.content))}</{b.kind}>")
        elif b.kind == "p":
            parts += [f"<p>{e(p)}</p>" for p in str(b.content).split("\n\n")]
        elif b.kind == "pre":
            parts.append(f"<pre>{e(str(b.content))}</pre>")
        elif b.kind == "figure":
            parts.append(f"<img src='figures/{e(b.content.name)}' alt='{e(b.content.stem)}'>")
        elif b.kind == "table":
            df = b.content
            parts.append("<table><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
                         + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e(fmt(v))}</td>" for v in row) + "</tr>"
                      for row in df.itertuples(index=False)]
            parts.append("</table>")
    return "\n".join(parts + ["</body></html>"]) + "\n"
