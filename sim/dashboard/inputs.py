"""Reading what people type into the dashboard's boxes: whole numbers within a range.

A refused value becomes a message in the page's language naming the field, the allowed range
and (a bounded prefix of) what was typed; nothing is changed. Seeds are limited to 32 bits
because that is what every part of the dashboard (network layout included) can use, and it
is more than enough distinct seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.dashboard.i18n import t

SEED_MAX = 2**32 - 1
SHOWN_CHARS = 20  # at most this much of a refused value is quoted back
# Full-width ASCII forms (U+FF01-U+FF5E: ０-９, ，, ．, …) as a Chinese input method types
# them, and the ideographic space, read as their ASCII counterparts.
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True)
class Refusal:
    """Why a typed value was refused; ``message(lang)`` says it in the page's language."""

    field: str  # label key of the field
    low: int
    high: int
    typed: str

    def message(self, lang: str) -> str:
        shown = self.typed if len(self.typed) <= SHOWN_CHARS else self.typed[:SHOWN_CHARS] + "…"
        return t(
            "bad_integer",
            lang,
            field=t(self.field, lang),
            low=self.low,
            high=self.high,
            value=shown,
        )


def parse_int(text: str, field: str, low: int, high: int) -> int | Refusal:
    """The whole number in ``text`` if it lies in [low, high], else a Refusal.

    Accepts surrounding spaces, thousands separators (``8,000``, ``8 000``), a trailing
    ``.0`` and full-width digits as a Chinese input method types them (``７``,
    ``８，０００``); refuses anything else, including fractions and exponents.
    """
    cleaned = str(text).translate(FULL_WIDTH).strip().replace(",", "").replace(" ", "")
    cleaned = cleaned.removesuffix(".0")
    if not cleaned.isdecimal() or not cleaned.isascii() or len(cleaned) > 12:
        return Refusal(field, low, high, str(text).strip())
    value = int(cleaned)
    if not low <= value <= high:
        return Refusal(field, low, high, str(text).strip())
    return value


def parse_seed(text: str) -> int | Refusal:
    """A seed: a whole number from 0 to 2**32 - 1."""
    return parse_int(text, "seed", 0, SEED_MAX)
