"""Interactive panels (ipywidgets) used by the notebooks, one module per part of the course."""

from .algorithm_panels import SpectralStepsPanel, default_reuse_sweeps
from .base import FigurePanel, exponent_slider, log_sample_slider
from .model_panels import LatentGaussianityPanel, TrueVersusEquivalentPanel, WeightProfilePanel
from .random_matrices import BulkLawPanel, ManySpikesPanel, SpikedModelPanel
from .scaling_panels import BaselinePanel, ScalingLawPanel, SequentialRecoveryPanel
from .start_here import StartHerePanel, default_start_sweep

__all__ = [
    "FigurePanel", "exponent_slider", "log_sample_slider", "StartHerePanel", "default_start_sweep",
    "BulkLawPanel", "SpikedModelPanel", "ManySpikesPanel", "LatentGaussianityPanel",
    "WeightProfilePanel", "TrueVersusEquivalentPanel", "SpectralStepsPanel", "default_reuse_sweeps",
    "SequentialRecoveryPanel", "ScalingLawPanel", "BaselinePanel",
]
