"""Two small browser-side helpers written in Vue (``vue/``), used by the page.

* ``PageAgent`` tells the server when the browser has drawn a frame (the play loop waits for
  it), keeps ``<html lang>`` in step with the page's language, lets people zoom (Solara's
  page template forbids it), and keeps the page's settings in its address and in local
  storage (``store.query_of``), sending them back on a reload or a second visit.
* ``NativeSelect`` is a plain ``<select>`` with its label (accessible as browsers make it).
* ``Downloader`` saves a file the server prepared in a click handler, so a failure while
  preparing it becomes a message on the page instead of a broken download.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable

import solara

_nonce = itertools.count(1)


@solara.component_vue("vue/page_agent.vue", vuetify=False)
def PageAgent(
    frame: int,
    lang: str,
    nav_label: str,
    progress_label: str,
    query: str,
    playing: bool,
    event_frame_shown: Callable[[int], None],
    event_restore: Callable[[str], None],
):
    pass


@solara.component_vue("vue/native_select.vue", vuetify=False)
def NativeSelect(label: str, value: str, options: list, event_choose: Callable[[str], None]):
    """``options``: [{"value": ..., "label": ...}]; ``event_choose(value)`` on a choice."""


@solara.component_vue("vue/downloader.vue", vuetify=False)
def Downloader(file: dict):
    pass


def download_file(name: str, data: bytes, mime: str) -> dict:
    """The ``file`` value that makes ``Downloader`` save ``data`` as ``name``."""
    return {
        "name": name,
        "mime": mime,
        "base64": base64.b64encode(data).decode("ascii"),
        "nonce": next(_nonce),
    }
