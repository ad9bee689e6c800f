"""Policy dashboard (issue 4): three- and five-actor linkage side by side, in Chinese and English.

The page itself is ``sim/app.py``; this package holds its parts: ``runs`` (the two linked
models), ``drawing`` (network layout and pictures), ``components`` (panels, cards, charts),
``i18n`` (labels), ``presets`` (levers and scenarios), ``command`` (``sim dashboard``) and
``browser`` (server and Chromium helpers for tests and the README screenshot).
"""
