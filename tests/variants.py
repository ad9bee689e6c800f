"""Model variants the tests run: CommunityModel subclasses that swap a mechanism and
register metrics of their own (``extra_metrics``), as a researcher's variant would."""

from __future__ import annotations

from sim.model import CommunityModel, Metric
from sim.model.disputes import DisputeBook


class NoSecondChances(DisputeBook):
    """A swapped mechanism: a failed intervention is never tried again; counted."""

    def _outcome(self, i, mediator, day, volunteer_gain):
        super()._outcome(i, mediator, day, volunteer_gain)
        self.cols["next_try"][i] = 10**9
        self.model.last_tries += 1


class OneShot(CommunityModel):
    """One try per dispute, and two metrics of its own: a count (the default extra_summary
    reads it from extra_counts) and a ratio (computed in extra_summary)."""

    dispute_book = NoSecondChances
    extra_metrics = (
        Metric("last_tries", "interventions after which a dispute gets no second try",
               "interventions", None),
        Metric("last_tries_per_dispute", "interventions that were a dispute's last try, per "
               "dispute started", "per dispute", "lower", events="last_tries", min_events=5),
    )

    def __init__(self, *args, **kwargs):
        self.last_tries = 0
        super().__init__(*args, **kwargs)

    def extra_counts(self) -> dict[str, float]:
        return {"last_tries": float(self.last_tries)}

    @classmethod
    def extra_summary(cls, counts: dict[str, float]) -> dict[str, float]:
        onsets = counts.get("disputes_onsets", 0)
        return {"last_tries": counts["last_tries"],
                "last_tries_per_dispute": counts["last_tries"] / onsets if onsets
                else float("nan")}
