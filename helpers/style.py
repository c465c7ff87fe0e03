"""Figure style shared by all notebooks: readable on a laptop screen and on a projector."""

from __future__ import annotations

import contextlib

import matplotlib as mpl
import numpy as np

__all__ = ["COURSE_STYLE", "PRESENTATION_STYLE", "course_style", "direction_colors"]

#: rcParams for notebook figures.
COURSE_STYLE = {
    "figure.dpi": 100,
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 10,
    "lines.linewidth": 1.8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

#: rcParams for live talks: larger fonts, thicker lines.
PRESENTATION_STYLE = {
    **COURSE_STYLE,
    "font.size": 18,
    "axes.titlesize": 20,
    "axes.labelsize": 18,
    "legend.fontsize": 14,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "lines.linewidth": 3.0,
    "lines.markersize": 9,
}


@contextlib.contextmanager
def course_style(presentation: bool = False):
    """Context manager that applies the course (or presentation) rcParams temporarily."""
    with mpl.rc_context(PRESENTATION_STYLE if presentation else COURSE_STYLE):
        yield


def direction_colors(p: int, colormap: str = "viridis") -> np.ndarray:
    """Return p RGBA colours from strong (k = 1, dark) to weak (k = p, light), shape (p, 4)."""
    return mpl.colormaps[colormap](np.linspace(0.0, 0.9, max(p, 1)))[:p]
