"""Documents as a list of blocks (heading, text, table, figure), rendered to Markdown and
HTML from the same blocks so the two always say the same thing. Used by ``sim report``
and ``sim discover``.

The HTML is self-contained (figures embedded as data URIs: one file to mail or archive);
the Markdown links the PNG files. Every table is also written as ``tables/<name>.csv`` (its
values) and ``tables/<name>.tex`` (booktabs), numbers formatted by one rule per table
(:mod:`.tables`).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import atomic_write

from .tables import Table


@dataclass
class Block:
    kind: str               # "h2" | "h3" | "h4" | "p" | "table" | "figure" | "pre"
    content: object         # text; a Table (or a DataFrame) for "table"; a Path for "figure"
    caption: str = ""       # figures: what the figure shows (alt text and caption)


def write_document(out: Path, name: str, title: str, blocks: list[Block]) -> Path:
    """Write ``out/name.md``, ``out/name.html`` (self-contained) and every table as
    ``out/tables/<table>.csv`` and ``.tex`` (atomically); return the Markdown path.
    Figures are PNG files under ``out``."""
    out = Path(out)
    tables = _tables(blocks, name)
    directory = out / "tables"
    if directory.is_dir():
        for old in [*directory.glob("*.csv"), *directory.glob("*.tex")]:
            old.unlink()
    for table in tables:
        table.write(directory)
    md = out / f"{name}.md"
    for path, text in ((md, markdown(title, blocks, out)),
                       (md.with_suffix(".html"), to_html(title, blocks))):
        atomic_write(path, lambda tmp, t=text: Path(tmp).write_text(t, encoding="utf-8"))
    return md


def _tables(blocks: list[Block], prefix: str) -> list[Table]:
    """Every table block as a Table with a unique name (DataFrames get ``<prefix>_<k>``)."""
    seen: set[str] = set()
    tables = []
    for k, b in enumerate(blocks):
        if b.kind != "table":
            continue
        if not isinstance(b.content, Table):
            b.content = Table(f"{prefix}_{k}", b.content)
        name, i = b.content.name, 2
        while b.content.name in seen:
            b.content.name = f"{name}_{i}"
            i += 1
        seen.add(b.content.name)
        tables.append(b.content)
    return tables


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(text))


def fmt(value) -> str:
    """A number in running text: 4 significant digits for floats, empty for missing."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


def _relative(path: Path, out: Path | None) -> str:
    path = Path(path)
    if out is not None:
        try:
            return path.resolve().relative_to(Path(out).resolve()).as_posix()
        except ValueError:
            pass
    return f"figures/{path.name}"


def _table_text(b: Block) -> tuple[Table, pd.DataFrame]:
    table = b.content if isinstance(b.content, Table) else Table("table", b.content)
    return table, table.shown()


def markdown(title: str, blocks: list[Block], out: Path | None = None) -> str:
    lines = [f"# {title}", ""]
    for b in blocks:
        if b.kind in ("h2", "h3", "h4"):
            lines += ["#" * int(b.kind[1]) + " " + str(b.content), ""]
        elif b.kind == "p":
            lines += [str(b.content), ""]
        elif b.kind == "pre":
            lines += ["```", str(b.content).rstrip("\n"), "```", ""]
        elif b.kind == "figure":
            alt = (b.caption or b.content.stem).replace("]", ")").replace("[", "(")
            lines += [f"![{alt}]({_relative(b.content, out)})", ""]
        elif b.kind == "table":
            table, shown = _table_text(b)
            if table.caption:
                lines += [f"*{table.caption}*", ""]
            lines.append("| " + " | ".join(map(str, shown.columns)) + " |")
            lines.append("|" + "---|" * len(shown.columns))
            lines += ["| " + " | ".join(v.replace("|", "/") for v in row) + " |"
                      for row in shown.itertuples(index=False)]
            lines.append("")
            files = f"Data: tables/{table.name}.csv; LaTeX: tables/{table.name}.tex."
            lines += [f"{table.note} {files}".strip(), ""]
    return "\n".join(lines)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def to_html(title: str, blocks: list[Block]) -> str:
    """One self-contained HTML file: figures are embedded as data URIs."""
    e = html.escape
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:0 1em}"
             "table{border-collapse:collapse;font-size:12px;margin:0.4em 0}"
             "th{border-top:1.5px solid #000;border-bottom:1px solid #000;padding:3px 8px;"
             "text-align:left}td{padding:2px 8px;vertical-align:top}"
             "tr:last-child td{border-bottom:1.5px solid #000}td.n{text-align:right;"
             "white-space:nowrap}caption{text-align:left;font-style:italic;padding:4px 0}"
             "figure{margin:1em 0}figcaption{font-size:12px;color:#333}img{max-width:100%}"
             "pre{background:#f6f6f6;padding:6px;overflow-x:auto}.note{font-size:12px;"
             "color:#333}")
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(title)}</title>", f"<style>{style}</style></head><body>",
             f"<h1>{e(title)}</h1>"]
    for b in blocks:
        if b.kind in ("h2", "h3", "h4"):
            parts.append(f"<{b.kind}>{e(str(b.content))}</{b.kind}>")
        elif b.kind == "p":
            parts += [f"<p>{e(p)}</p>" for p in str(b.content).split("\n\n")]
        elif b.kind == "pre":
            parts.append(f"<pre>{e(str(b.content))}</pre>")
        elif b.kind == "figure":
            alt = b.caption or b.content.stem
            parts.append(f"<figure><img src='{_data_uri(b.content)}' alt='{e(alt)}'>"
                         + (f"<figcaption>{e(b.caption)}</figcaption>" if b.caption else "")
                         + "</figure>")
        elif b.kind == "table":
            table, shown = _table_text(b)
            numeric = [_numeric(table, h) for h in shown.columns]
            parts.append("<table>" + (f"<caption>{e(table.caption)}</caption>"
                                      if table.caption else "")
                         + "<tr>" + "".join(f"<th>{e(str(c))}</th>" for c in shown.columns)
                         + "</tr>")
            parts += ["<tr>" + "".join(f"<td class='n'>{e(v)}</td>" if n else f"<td>{e(v)}</td>"
                                       for v, n in zip(row, numeric)) + "</tr>"
                      for row in shown.itertuples(index=False)]
            parts.append("</table>")
            parts.append(f"<p class='note'>{e(table.note)} Data: tables/{e(table.name)}.csv; "
                         f"LaTeX: tables/{e(table.name)}.tex.</p>")
    return "\n".join(parts + ["</body></html>"]) + "\n"


def _numeric(table: Table, header: str) -> bool:
    if header in table.intervals:
        return True
    column = table.columns.get(header, header) if table.columns else header
    return column in table.data and table._kind(table.data, column) != "text"
