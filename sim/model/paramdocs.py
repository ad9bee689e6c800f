"""Generate the parameter tables of ``docs/parameters.md`` from the parameter metadata.

Run ``python -m sim.model.paramdocs`` and paste the output between the GENERATED markers; a test
checks that the document is up to date. Scalars are listed by group; each table
(``sim.model.params.TABLES``) is shown as a matrix of its default cells.
"""

from __future__ import annotations

from .params import PARAM_SPECS, SWEEP_RANGES, TABLES, format_bound


def parameters_markdown() -> str:
    """The parameter tables of docs/parameters.md, generated from the field metadata."""
    lines, group = [], None
    groups = list(dict.fromkeys(spec.group for spec in PARAM_SPECS.values()))
    for group in groups:
        lines += ["", f"### {group}", ""]
        scalars = [s for s in PARAM_SPECS.values() if s.group == group and s.table is None]
        if scalars:
            lines += ["| name | default | unit | range | source | meaning |",
                      "|---|---|---|---|---|---|"]
            lines += [_scalar_row(spec) for spec in scalars]
        for table in TABLES.values():
            if table.group == group:
                lines += ["", *_table_block(table)]
    return "\n".join(lines).lstrip() + "\n"


def _scalar_row(spec) -> str:
    rng = (" / ".join(spec.choices) if spec.choices else
           "-" if spec.min is None else f"{format_bound(spec.min)} – {format_bound(spec.max)}")
    if spec.name in SWEEP_RANGES:     # the range swept in sensitivity and break-even analyses
        low, high = SWEEP_RANGES[spec.name]
        rng += f" (swept {format_bound(low)} – {format_bound(high)})"
    return (f"| `{spec.name}` | {spec.default!r} | {spec.unit} | {rng} | {spec.source} | "
            f"{spec.doc} |")


def _table_block(table) -> list[str]:
    """A table's defaults as a matrix, with the naming rule of its cell parameters."""
    pattern = f"{table.name}_<row>_<column>" if table.rows else f"{table.name}_<column>"
    lines = [(f"**Table `{table.name}`** ({table.unit}; range {format_bound(table.min)} – "
              f"{format_bound(table.max)}; one parameter per cell, `{pattern}`). {table.doc} "
              f"Source: {table.source}."), "",
             "| | " + " | ".join(table.cols) + " |", "|---|" + "---|" * len(table.cols)]
    rows = table.rows or ("(all)",)
    values = table.default if table.rows else (table.default,)
    for name, row in zip(rows, values, strict=True):
        lines.append(f"| {name} | " + " | ".join(f"{v:g}" for v in row) + " |")
    return lines


if __name__ == "__main__":
    print(parameters_markdown())
