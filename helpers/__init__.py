"""Helpers for the course "Scaling laws from sequential feature recovery".

The package holds the hierarchical model, the layer-wise spectral algorithm, its theory, the
random-matrix background, the experiments and the widget panels that the notebooks import.
The most used names are re-exported here; the rest live in their modules:

* model and algorithm: :mod:`hermite`, :mod:`model`, :mod:`labels`, :mod:`spectral`,
  :mod:`spectral_operator`, :mod:`eigensolvers`, :mod:`streaming`, :mod:`readout`,
  :mod:`algorithm`, :mod:`metrics`;
* theory: :mod:`theory`, :mod:`theory_corrections`, :mod:`latent_moments`;
* random matrices: :mod:`random_matrices`, :mod:`spiked`, :mod:`bbp_sweeps`, :mod:`many_spikes`;
* experiments: :mod:`experiments`, :mod:`nested_spectral`, :mod:`gaussianity`,
  :mod:`pitfalls`, :mod:`baselines`, :mod:`sweeps`, :mod:`sweep_tasks`, :mod:`cache`,
  :mod:`shipped`, :mod:`fitting`;
* figures and teaching: :mod:`style`, :mod:`plotting` and the ``*_plots`` / ``*_figures``
  modules, :mod:`exercises`, :mod:`presentation`, and the panels in :mod:`helpers.widgets`.
"""

from . import theory
from ._validation import (
    DEFAULT_MEMORY_BUDGET,
    InvalidParameterError,
    MemoryBudgetError,
    get_memory_budget,
    set_memory_budget,
)
from .algorithm import Evaluation, LayerwiseFit, evaluate, fit_layerwise, predict, run_layerwise
from .baselines import fit_kernel_ridge, fit_quadratic_ridge, fit_random_features
from .cache import CacheError, CorruptedResultError, ResultCache, StaleResultError
from .fitting import bootstrap_exponent, fit_power_law
from .hermite import (
    features_to_symmetric,
    hermite_features,
    hermite_normalized,
    n_hermite_features,
    quadratic_forms,
    symmetric_to_features,
)
from .labels import transform_labels
from .latent_moments import degree_two_share
from .many_spikes import davis_kahan_bound, sample_power_law_spikes
from .metrics import count_recovered, matched_overlaps, mean_squared_error, overlap_matrix, subspace_overlap
from .model import HierarchicalModel, LabelScaler, Sample
from .random_matrices import (
    marchenko_pastur_density,
    marchenko_pastur_stieltjes,
    sample_goe,
    sample_wishart,
    semicircle_density,
    semicircle_stieltjes,
)
from .readout import Readout, estimate_latents, fit_readout, predict_readout
from .shipped import SHIPPED_SWEEPS, load_shipped
from .spectral import FirstLayer, SpectralOperator, first_layer, spectral_matrix
from .spiked import covariance_outlier, covariance_overlap, sample_spiked_covariance, sample_spiked_wigner
from .sweeps import SweepGrid, SweepResult, run_sweep, run_sweep_cached
from .theory_corrections import corrected_mse_prediction

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
