"""Tables a journal accepts: one number format per table, no blank cells, and each table as
CSV (the values, full precision) and LaTeX (booktabs, the numbers as shown).

One rule formats every number of a table (``Table.shown``):

* a row of a quantity and its interval (means, difference, intervals, MDE: ``row_values``)
  shares one number of decimals: two significant digits of the row's interval half-width,
  or three of its largest value when it has no interval (a difference that is the same in
  every pair);
* any other numeric column shares one number of decimals: three significant digits of its
  median magnitude;
* p-values to three decimals (below 0.001: "<0.001"), ratios (d_z, correlations) to two,
  counts as whole numbers, confidence levels as percentages;
* thousands separators from 1,000, no exponents, no "-0";
* a missing value is an en dash, and the table says what it stands for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import atomic_write

MISSING = "–"                 # en dash: a value that does not exist (see the table's note)
KINDS = ("value", "p", "ratio", "int", "percent", "level", "text")
MAX_DECIMALS = 8


@dataclass
class Table:
    """A table of the report: the data (CSV) and how to show it (Markdown, HTML, LaTeX).

    ``columns`` maps a shown header to the data column it shows; ``kinds`` a data column to
    its kind (see the module docstring; default: "value" for numbers, "text" otherwise);
    ``intervals`` a shown header to the (low, high) data columns shown as "[low, high]";
    ``row_values`` the data columns formatted together per row, whose decimals come from
    the half-width of the interval ``row_interval`` (low, high) when it exists.
    """

    name: str
    data: pd.DataFrame
    caption: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    intervals: dict[str, tuple[str, str]] = field(default_factory=dict)
    row_values: tuple[str, ...] = ()
    row_interval: tuple[str, str] | None = None
    note: str = ""

    # -- what is shown -----------------------------------------------------------------

    def headers(self) -> list[str]:
        return list(self.columns) if self.columns else [str(c) for c in self.data.columns]

    def shown(self) -> pd.DataFrame:
        """The table as strings, every number formatted by the table's one rule."""
        data = self.data.reset_index(drop=True)
        columns = self.columns or {str(c): c for c in data.columns}
        decimals = self._decimals(data)
        out = {}
        for header, column in columns.items():
            if header in self.intervals:
                low, high = self.intervals[header]
                out[header] = [_interval(a, b, decimals[low][i])
                               for i, (a, b) in enumerate(zip(data[low], data[high]))]
            else:
                kind = self._kind(data, column)
                out[header] = [_format(v, kind, decimals.get(column, [0] * len(data))[i])
                               for i, v in enumerate(data[column])]
        return pd.DataFrame(out, columns=list(columns))

    def _kind(self, data: pd.DataFrame, column: str) -> str:
        if column in self.kinds:
            return self.kinds[column]
        values = data[column]
        if pd.api.types.is_bool_dtype(values):
            return "text"
        if pd.api.types.is_integer_dtype(values):
            return "int"
        return "value" if pd.api.types.is_numeric_dtype(values) else "text"

    def _decimals(self, data: pd.DataFrame) -> dict[str, list[int]]:
        """Decimals per data column and row for the "value" kind."""
        n = len(data)
        out: dict[str, list[int]] = {}
        together = [c for c in self.row_values if c in data]
        if together:
            rows = [_row_decimals(data.loc[i, together], data, i, self.row_interval)
                    for i in range(n)]
            for c in together:
                out[c] = rows
        wanted = set(self.columns.values() if self.columns else data.columns)
        wanted |= {c for pair in self.intervals.values() for c in pair}
        for c in wanted:
            if c in out or c not in data or self._kind(data, c) != "value":
                continue
            out[c] = [_column_decimals(data[c])] * n
        return out

    # -- writing -----------------------------------------------------------------------

    def write(self, directory: Path) -> list[Path]:
        """``directory/name.csv`` (the data) and ``directory/name.tex`` (booktabs)."""
        directory.mkdir(parents=True, exist_ok=True)
        csv, tex = directory / f"{self.name}.csv", directory / f"{self.name}.tex"
        atomic_write(csv, lambda tmp: self.data.to_csv(tmp, index=False))
        text = to_latex(self)
        atomic_write(tex, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return [csv, tex]


def _row_decimals(values: pd.Series, data: pd.DataFrame, i: int,
                  interval: tuple[str, str] | None) -> int:
    if interval and interval[0] in data and interval[1] in data:
        low, high = data.loc[i, interval[0]], data.loc[i, interval[1]]
        if _finite(low) and _finite(high) and high > low:
            return _decimals_for((high - low) / 2, 2)
    numbers = [abs(float(v)) for v in values if _finite(v)]
    return _decimals_for(max(numbers), 3) if numbers and max(numbers) > 0 else 0


def _column_decimals(values: pd.Series) -> int:
    numbers = pd.to_numeric(values, errors="coerce").abs()
    numbers = numbers[np.isfinite(numbers) & (numbers > 0)]
    if numbers.empty:
        return 0
    if (numbers == numbers.round()).all():      # whole numbers stay whole
        return 0
    return _decimals_for(float(numbers.median()), 3)


def _decimals_for(magnitude: float, significant: int) -> int:
    """Decimals that give ``magnitude`` that many significant digits (0..MAX_DECIMALS)."""
    if not magnitude > 0 or not math.isfinite(magnitude):
        return 0
    return int(min(MAX_DECIMALS, max(0, significant - 1 - math.floor(math.log10(magnitude)))))


def _finite(value) -> bool:
    try:
        return value is not None and value is not pd.NA and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":         # no "-0.000"
        text = text.lstrip("-")
    return text


def _format(value, kind: str, decimals: int = 0) -> str:
    if kind == "text":
        return MISSING if value is None or value is pd.NA or (
            isinstance(value, float) and math.isnan(value)) else str(value)
    if not _finite(value):
        return MISSING
    value = float(value)
    if kind == "p":
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    if kind == "ratio":
        return _number(value, 2)
    if kind == "int":
        return _number(round(value), 0)
    if kind == "percent":
        rest = 100 * (1 - value)
        places = 0 if rest >= 1 or rest <= 0 else min(4, 1 - math.floor(math.log10(rest)))
        return f"{100 * value:.{places}f}%"
    if kind == "level":
        return f"{value:g}"
    return _number(value, decimals)


def _interval(low, high, decimals: int) -> str:
    if not (_finite(low) and _finite(high)):
        return MISSING
    return f"[{_number(float(low), decimals)}, {_number(float(high), decimals)}]"


# ---------------------------------------------------------------- LaTeX


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
                  "–": "--", "−": "-"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def to_latex(table: Table) -> str:
    """The table as a LaTeX ``table`` with booktabs rules (needs ``\\usepackage{booktabs}``);
    text columns wrap in a paragraph column, numbers align right."""
    shown = table.shown()
    align = []
    for header in shown.columns:
        column = table.columns.get(header, header) if table.columns else header
        numeric = header in table.intervals or (
            column in table.data and table._kind(table.data, column) != "text")
        wide = not numeric and shown[header].str.len().max() > 24 if len(shown) else False
        align.append("r" if numeric else (r">{\raggedright\arraybackslash}p{4.5cm}" if wide
                                          else "l"))
    lines = [(f"% {table.name}.tex, written by sim report. Needs \\usepackage{{booktabs}} "
              "and \\usepackage{array}."),
             r"\begin{table}[htbp]", r"\centering", r"\small"]
    if table.caption:
        lines.append(rf"\caption{{{latex_escape(table.caption)}}}")
    lines += [rf"\label{{tab:{table.name}}}", rf"\begin{{tabular}}{{{''.join(align)}}}",
              r"\toprule", " & ".join(latex_escape(h) for h in shown.columns) + r" \\",
              r"\midrule"]
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\"
              for row in shown.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if table.note:
        lines += [r"\par\smallskip", rf"{{\footnotesize {latex_escape(table.note)}\par}}"]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
