"""What a paper takes from a results folder: report files with ordinary permissions,
tables as CSV and LaTeX, a self-contained HTML report, and labels from the catalogues."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sim.io import atomic_write


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_get_ordinary_permissions(tmp_path):
    """A file written through a temporary name gets what open() would give it (0644 under
    umask 022), not the temporary file's 0600, whether the writer truncates or recreates."""
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.txt", lambda tmp: Path(tmp).write_text("a"))

        def recreate(tmp):
            os.unlink(tmp)
            Path(tmp).write_text("b")
        atomic_write(tmp_path / "b.txt", recreate)
        os.umask(0o077)
        atomic_write(tmp_path / "c.txt", lambda tmp: Path(tmp).write_text("c"))
    finally:
        os.umask(old)
    assert (_mode(tmp_path / "a.txt"), _mode(tmp_path / "b.txt")) == (0o644, 0o644)
    assert _mode(tmp_path / "c.txt") == 0o600


# ---------------------------------------------------------------- tables


def _table():
    import numpy as np
    import pandas as pd

    from sim.experiments.tables import Table

    data = pd.DataFrame({"outcome": ["Share of needs unmet (share)", "Cost & 100% (yuan)"],
                         "a": [0.41234, 12345.6], "b": [0.40011, 12001.2],
                         "diff": [-0.01223, -344.4], "lo": [-0.0234, -700.0],
                         "hi": [-0.0011, 11.2], "p": [0.0004, 0.3], "dz": [-1.234, np.nan],
                         "n": [10, 10]})
    return Table("t1", data, caption="A caption_with_underscores",
                 columns={"Outcome": "outcome", "A": "a", "B": "b", "B - A": "diff",
                          "95% CI": "lo", "p": "p", "d_z": "dz", "Pairs": "n"},
                 kinds={"p": "p", "dz": "ratio", "n": "int"},
                 intervals={"95% CI": ("lo", "hi")}, row_values=("a", "b", "diff", "lo", "hi"),
                 row_interval=("lo", "hi"), note="–: not applicable.")


def test_one_number_format_per_table():
    shown = _table().shown()
    # a row's values share the decimals of two significant digits of its half-width
    assert list(shown.iloc[0, 1:5]) == ["0.412", "0.400", "-0.012", "[-0.023, -0.001]"]
    assert list(shown.iloc[1, 1:5]) == ["12,346", "12,001", "-344", "[-700, 11]"]
    assert list(shown["p"]) == ["<0.001", "0.300"]
    assert list(shown["d_z"]) == ["-1.23", "–"]          # missing: an en dash, never blank
    assert list(shown["Pairs"]) == ["10", "10"]
    assert not shown.apply(lambda c: c.str.contains("e[+-]|^-0(?:\\.0*)?$|nan")).any().any()


def test_latex_is_booktabs_with_escaped_text():
    from sim.experiments.tables import to_latex

    tex = to_latex(_table())
    for rule in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabular}",
                 "\\label{tab:t1}"):
        assert rule in tex
    assert "Cost \\& 100\\% (yuan)" in tex and "caption\\_with\\_underscores" in tex
    body = tex[tex.index("\\midrule"):tex.index("\\bottomrule")].splitlines()[1:]
    columns = tex.split("\\begin{tabular}{")[1].split("}\n")[0]
    assert all(line.replace("\\&", "").count("&") == 7 for line in body)
    assert columns.count("r") + columns.count("l") + columns.count("p{") >= 8


def test_documents_are_self_contained_and_tables_are_files(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from sim.experiments.render import Block, write_document

    (tmp_path / "figures").mkdir()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "figures" / "f.png")
    plt.close(fig)
    old = os.umask(0o022)
    try:
        md = write_document(tmp_path, "doc", "Title", [
            Block("p", "text"), Block("figure", tmp_path / "figures" / "f.png", caption="A"),
            Block("table", _table()), Block("table", pd.DataFrame({"x": [1.5, 2.25]}))])
    finally:
        os.umask(old)
    html = md.with_suffix(".html").read_text()
    assert "data:image/png;base64," in html and "src='figures/" not in html
    assert "](figures/f.png)" in md.read_text()
    files = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert files == ["doc_3.csv", "doc_3.tex", "t1.csv", "t1.tex"]
    assert pd.read_csv(tmp_path / "tables" / "t1.csv")["a"].iloc[0] == 0.41234   # full values
    for path in [md, md.with_suffix(".html"), *(tmp_path / "tables").iterdir()]:
        assert _mode(path) == 0o644, path


# ---------------------------------------------------------------- labels and panels


def test_labels_come_from_the_catalogues_and_wrap_between_words():
    from sim.labels import metric_label, param_label, series_label, wrap
    from sim.model import METRICS

    assert metric_label("unmet_need_share") == \
        f"{METRICS['unmet_need_share'].definition.capitalize()} (share)"
    assert param_label("crowd_out_elasticity") == \
        "Crowd out elasticity (yuan cut per charity yuan spent)"
    assert series_label("open_needs") == "Needs still open at the end of the day (needs)"
    text = "Unmet-need share of vulnerable residents' needs (elderly living alone)"
    words = set(text.split())
    for width in (8, 12, 20, 30):
        assert all(set(line.split()) <= words for line in wrap(text, width).splitlines())


def test_every_daily_series_has_a_label():
    from sim.labels import DAILY_SERIES
    from sim.model import simulate

    daily = simulate({"n_residents": 200, "days": 3}, "five", seed=1).daily
    assert set(daily.columns) - {"day"} <= set(DAILY_SERIES)


def test_a_panel_above_a_blank_one_keeps_its_tick_labels():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plots import tidy_panels

    fig, axes = plt.subplots(2, 3, sharex=True, squeeze=False)
    for ax in axes.flat[:4]:
        ax.plot([0, 1], [0, 1], label="x")
    tidy_panels(axes, 4)
    fig.canvas.draw()
    visible = [any(t.get_visible() and t.get_text() for t in ax.get_xticklabels())
               for ax in axes.flat[:4]]
    plt.close(fig)
    assert visible == [False, True, True, True]   # the first has a panel below it
