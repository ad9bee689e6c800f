"""``sim explain``: why five differs from three, step by step, on paired seeds.

A built-in experiment, like ``sim compare``: it writes an experiment file whose regimes are
the rungs of the attribution ladder (three, the three resource controls, the matched
control keeping more and more linkage mechanisms along sampled orderings, five) and whose
``[analysis] ladder`` names those orderings, runs it through the experiments runner into
``--out`` (resumable, any executor, progress on stderr) and writes the ladder
(:mod:`sim.experiments.attribution`) as a table (``ladder.csv``, ``ladder.md``) and a
waterfall figure (``ladder.png``). ``sim report`` on the same directory shows it too.

A replicate runs all its rungs side by side on one seed, the controls sharing one
five-actor twin, so the ladder costs about one run per rung and replicate.
"""

from __future__ import annotations

from pathlib import Path

from sim import io
from sim.compare import compare_experiment, replace_earlier, run_builtin
from sim.model import Params

EXPLAIN_NAME = "explain"
EXPLAIN_DESCRIPTION = ("Built by sim explain: the attribution ladder from three- to five-actor "
                       "linkage, paired replications.")
OUTPUT_FILES = ("ladder.md", "ladder.csv", "ladder.png", "explain.json")


def explain_experiment(params: Params, reps: int, seed: int, orderings: int, out: Path):
    """The ladder as a validated experiment: its rungs as regimes, its orderings in
    [analysis] (sampled from the root seed, so the same command gives the same ladder)."""
    from sim.experiments.attribution import ladder_regimes
    from sim.experiments.attribution import orderings as sample_orderings

    chains = sample_orderings(orderings, seed)
    return compare_experiment(params, reps, seed, out, tuple(ladder_regimes(chains)),
                              name=EXPLAIN_NAME, description=EXPLAIN_DESCRIPTION,
                              command="sim explain",
                              analysis={"ladder": [list(c) for c in chains]})


def run_explain(params: Params, reps: int, seed: int, orderings: int, workers: int | None,
                out: Path) -> str:
    """Run (or resume) the ladder into ``out``, write its table and figure, and return
    what to print."""
    out = Path(out)
    experiment = explain_experiment(params, reps, seed, orderings, out)
    replace_earlier(out, experiment, EXPLAIN_NAME, EXPLAIN_DESCRIPTION, "ladder",
                    OUTPUT_FILES)
    return run_builtin(experiment, out, workers, "ladder",
                       lambda results: write_ladder_outputs(results, out))


def write_ladder_outputs(results, out: Path) -> str:
    """ladder.csv/.md/.png and explain.json from stored results; return the Markdown."""
    from sim.experiments.attribution import ladder_markdown, ladder_table
    from sim.plots import waterfall_figure

    spec = results.manifest["experiment"]
    chains = [tuple(c) for c in spec["analysis"]["ladder"]]
    table = ladder_table(results.runs, chains, confidence=spec["analysis"]["confidence"])
    text = ladder_markdown(table, spec["analysis"]["confidence"])
    io.write_text(table.to_csv(index=False), out / "ladder.csv")
    io.write_text(text, out / "ladder.md")
    waterfall_figure(table, out / "ladder.png")
    m = results.manifest
    io.write_json({"reps": spec["replications"], "root_seed": spec["root_seed"],
                   "orderings": [list(c) for c in chains], "regimes": spec["regimes"],
                   "version": m.get("packages", {}).get("sim"),
                   "git_commit": m.get("git_commit"), "git_dirty": m.get("git_dirty"),
                   "counts": m.get("counts"), "experiment_sha256": m.get("experiment_sha256")},
                  out / "explain.json")
    return f"{text}\nwrote {', '.join(OUTPUT_FILES)} to {out}/ (a results directory: " \
           f"`sim report {out}` shows the ladder too)"
