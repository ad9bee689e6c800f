"""Documentation that must stay true to the code."""

import re

from paths import ROOT

from sim.model import LINKAGE_MECHANISMS, NEGATIVE_MECHANISMS, PARAM_SPECS
from sim.model.paramdocs import parameters_markdown


def test_parameters_md_is_generated_from_the_code():
    text = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    block = text.split("<!-- BEGIN GENERATED -->\n", 1)[1].split("<!-- END GENERATED -->")[0]
    assert block.strip() == parameters_markdown().strip(), \
        "docs/parameters.md is stale: regenerate the table with `python -m sim.model.paramdocs`"


def test_every_parameter_has_unit_range_and_source():
    for spec in PARAM_SPECS.values():
        assert spec.unit and spec.source and spec.doc, spec.name
        assert spec.choices or spec.min is not None or spec.name == "network_file", spec.name


def test_odd_names_every_parameter_group_and_module():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for heading in ["Purpose and patterns", "Entities, state variables, and scales",
                    "Process overview and scheduling", "Design concepts", "Initialization",
                    "Input data", "Submodels"]:
        assert re.search(heading, odd, re.IGNORECASE), heading
    for module in ["sim/model/needs.py", "sim/model/disputes.py", "sim/model/agents.py",
                   "sim/model/community.py"]:
        assert module in odd, module


def test_each_mechanism_has_a_switch_and_a_source():
    for param in [*NEGATIVE_MECHANISMS.values(), *LINKAGE_MECHANISMS.values()]:
        spec = PARAM_SPECS[param]
        assert spec.min <= 0 <= spec.max and spec.default != 0 and spec.source, param


def test_the_table_cell_fields_are_exactly_the_cells_of_the_tables():
    """``Params`` spells out one field per table cell (for type checkers); they must be the
    cells of ``TABLES``, in order, with the tables' defaults."""
    import dataclasses

    from sim.model import TABLES
    from sim.model.params import _TableCells

    fields = [(f.name, f.default) for f in dataclasses.fields(_TableCells)]
    assert fields == [(name, float(default)) for table in TABLES.values()
                      for name, default in table.cells()]


def test_linkage_mechanisms_and_charity_volume_say_assumption_with_the_swept_range():
    """No linkage gain or cost, nor the charity's volume, cites a source that does not
    measure it: each is an assumption, swept over the range SWEEP_RANGES gives."""
    from sim.model import SWEEP_RANGES, format_bound

    names = [*NEGATIVE_MECHANISMS.values(), *LINKAGE_MECHANISMS.values(),
             "corporate_to_individual_ratio", "local_giving_share"]
    for name in names:
        low, high = SWEEP_RANGES[name]
        source = PARAM_SPECS[name].source
        assert f"swept {format_bound(low)}-{format_bound(high)}" in source, (name, source)
        assert "assumption" in source, (name, source)
