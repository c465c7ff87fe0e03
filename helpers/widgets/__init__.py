"""Interactive panels (ipywidgets) used by the notebooks."""

from .base import FigurePanel, exponent_slider, log_sample_slider
from .start_here import StartHerePanel, default_start_sweep

__all__ = ["FigurePanel", "exponent_slider", "log_sample_slider", "StartHerePanel",
           "default_start_sweep"]
