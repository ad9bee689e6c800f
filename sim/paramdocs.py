"""Generate the parameter table of ``docs/parameters.md`` from the parameter metadata.

Run ``python -m sim.paramdocs`` and paste the output under the "Parameters" heading;
a test checks that the document is up to date.
"""

from __future__ import annotations

from sim.params import PARAM_SPECS, _fmt


def parameters_markdown() -> str:
    """The parameter table of docs/parameters.md, generated from the field metadata."""
    lines = []
    group = None
    for spec in PARAM_SPECS.values():
        if spec.group != group:
            group = spec.group
            lines += ["", f"### {group}", "",
                      "| name | default | unit | range | source | meaning |",
                      "|---|---|---|---|---|---|"]
        rng = (" / ".join(spec.choices) if spec.choices else
               "-" if spec.min is None else f"{_fmt(spec.min)} – {_fmt(spec.max)}")
        lines.append(f"| `{spec.name}` | {spec.default!r} | {spec.unit} | {rng} | "
                     f"{spec.source} | {spec.doc} |")
    return "\n".join(lines).lstrip() + "\n"


if __name__ == "__main__":
    print(parameters_markdown())
