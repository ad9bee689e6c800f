"""Policy dashboard: three- and five-actor linkage side by side, in Chinese and English.

Run it with ``solara run sim/dashboard/app.py --production`` or ``sim dashboard``.

* ``app``: the page (layout, error boundaries); ``state``: per-session state and every action;
  ``sidebar`` and ``components``: what the page shows.
* ``runs``: the linked communities (same seed and parameters, one per regime);
  ``cards``: headline cards and verdicts from the metric catalogue; ``pairs``: "Run N pairs"
  through ``sim.compare``'s runner, then the control communities of the attribution ladder;
  ``decision``: the bottom line and its split into resources, routing and linkage itself;
  ``sweep``: which assumption decides it (break-even points); ``store``: the settings in
  the page's address and the last N pairs kept by the server.
* ``export``: CSV (daily series, data dictionary, the N pairs); ``brief``: the one-page
  PDF/PNG brief.
* ``drawing`` and ``colours``: network pictures, charts and the accessible palette;
  ``i18n``: every text in Chinese and English; ``inputs``: typed values; ``presets``: levers
  and scenarios; ``frontend`` (+ ``vue/``): the browser side of the play loop, the address,
  selects and downloads; ``command``: ``sim dashboard``.

Browser helpers for tests, benchmarks and screenshots live in ``tests/browser.py``.
"""
