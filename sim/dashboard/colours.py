"""The dashboard's colours, and the two checks they were chosen by.

* Text colours reach WCAG AA contrast (4.5:1) on white, and white text reaches it on them
  (regime names are written in their colour; actor chips are white on it).
* Colours that must be told apart (the regimes; the resident states, dispute stages ordered
  light to dark) stay apart for people with deuteranopia, the commonest colour-vision
  deficiency: their CIELAB distance after the Machado et al. (2009) simulation stays large.

``contrast_ratio`` and ``deuteranopia_distance`` are what the tests assert with.
"""

from __future__ import annotations

import numpy as np

# Blue against orange-brown: the pair that stays distinct under every common deficiency.
REGIME_COLOURS = {"three": "#1f5fa8", "five": "#a84d00"}
CONTROL_COLOURS = ("#8a3b73", "#222222", "#117733")  # controls, in the order of sim.model.REGIMES
CONTROL_DASHES = ((6, 2), (2, 2), (8, 2, 2, 2))

NODE_COLOURS = {
    "none": "#c3c9d1",  # light grey: nothing open
    "need": "#6a3d9a",  # purple: an open need
    1: "#fed976",  # dispute stages: one hue, light to dark as they escalate
    2: "#fd8d3c",
    3: "#d94701",
    4: "#5a1a00",
}
VOLUNTEER_RING = "#0072b2"
MUTED_TEXT = "#595959"  # secondary text: 7:1 on white
BETTER, WORSE, NEUTRAL = "#1b6e20", "#b3261e", MUTED_TEXT


def regime_colour(regime: str, controls: tuple[str, ...] = ()) -> str:
    """The colour of a regime; controls take the control colours in order."""
    if regime in REGIME_COLOURS:
        return REGIME_COLOURS[regime]
    index = controls.index(regime) if regime in controls else 0
    return CONTROL_COLOURS[index % len(CONTROL_COLOURS)]


def _linear(colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    return float(np.dot([0.2126, 0.7152, 0.0722], _linear(colour)))


def contrast_ratio(a: str, b: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Machado, Oliveira & Fernandes (2009), deuteranopia at severity 1.0, on linear RGB.
_DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
_RGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    t = _RGB_TO_XYZ @ linear_rgb / _WHITE
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def deuteranopia_distance(a: str, b: str) -> float:
    """CIELAB distance (CIE76) between two colours as seen with deuteranopia."""
    seen_a = np.clip(_DEUTERANOPIA @ _linear(a), 0, 1)
    seen_b = np.clip(_DEUTERANOPIA @ _linear(b), 0, 1)
    return float(np.linalg.norm(_lab(seen_a) - _lab(seen_b)))
