"""Helpers for the course "Scaling laws from sequential feature recovery".

The package holds the hierarchical model, the layer-wise spectral algorithm, its
asymptotic theory, and the plotting and widget code that the notebooks import. Modules:

* :mod:`helpers.hermite` - orthonormal probabilists' Hermite features;
* :mod:`helpers.model` - the hierarchical target in its two modes;
* :mod:`helpers.labels` - bounded label transforms;
* :mod:`helpers.spectral` - first layer: trace-centred spectral matrix and eigenvectors;
* :mod:`helpers.readout` - second layer: quadratic readouts and calibration;
* :mod:`helpers.algorithm` - the whole algorithm and its evaluation;
* :mod:`helpers.metrics` - test error and overlaps;
* :mod:`helpers.theory` - BBP thresholds, overlaps and the three-term error prediction.
"""

from ._validation import (
    DEFAULT_MEMORY_BUDGET,
    InvalidParameterError,
    MemoryBudgetError,
    get_memory_budget,
    set_memory_budget,
)
from .algorithm import Evaluation, LayerwiseFit, evaluate, fit_layerwise, predict, run_layerwise
from .hermite import (
    features_to_symmetric,
    hermite_features,
    hermite_normalized,
    n_hermite_features,
    quadratic_forms,
    symmetric_to_features,
)
from .labels import transform_labels
from .metrics import count_recovered, matched_overlaps, mean_squared_error, overlap_matrix, subspace_overlap
from .model import HierarchicalModel, LabelScaler, Sample
from .readout import Readout, estimate_latents, fit_readout, predict_readout
from .spectral import FirstLayer, SpectralOperator, first_layer, spectral_matrix
from . import theory

__version__ = "0.1.0"
