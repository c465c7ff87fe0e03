"""Three ways to break the layer-wise algorithm, each as a small reproducible experiment.

* Reusing the first-layer sample in the readout. On that sample, with T = identity, the
  moment readout of an eigenvector u is u^T C u / 2 = (lambda + tr C / D) / 2. Each of the
  p - m selected directions that are only bulk noise gets a coefficient near half the bulk
  edge, about sigma, and adds about 2 (lambda / 2)^2 ~ 2 sigma^2 = 2 D / n to the test error:
  in total about 2 (p - m) D / n, with m the number of BBP outliers.
* Heavy-tailed labels. One sample adds the rank-one term w_mu phi_mu phi_mu^T / n, of size
  |w_mu| |phi_mu|^2 / n, to the spectral matrix; in the true model large |y| comes with large
  |x| and |phi|^2, so a handful of samples can beat the weak spikes. A bounded T(y) caps w.
* No trace-centring in the true model. Centring subtracts (tr C / D) I: it moves every
  eigenvalue and changes no eigenvector. In the true model tr C / D is of order 1/d, so
  without it the selection by |eigenvalue| prefers bulk eigenvectors on the side of the shift
  to genuine spikes of the opposite sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from . import theory
from ._validation import InvalidParameterError, check_choice, check_positive_int
from .algorithm import check_seed, evaluate, fit_layerwise
from .labels import transform_labels
from .metrics import RECOVERY_THRESHOLD, matched_overlaps
from .model import HierarchicalModel, LabelScaler, Sample
from .hermite import hermite_features
from .spectral import FirstLayer, first_layer

__all__ = [
    "reuse_extra_error",
    "ReuseComparison",
    "compare_split_and_reuse",
    "rank_one_sizes",
    "CentringComparison",
    "compare_centring",
]


# ----------------------------------------------------------------------------- reuse
def _semicircle_abs_survival(x: float) -> float:
    """Return P(|lambda| > x) for the semicircle of radius 2 (sigma = 1), 0 <= x <= 2."""
    x = min(max(x, 0.0), 2.0)
    return (2.0 * math.pi - x * math.sqrt(4.0 - x * x) - 4.0 * math.asin(x / 2.0)) / (2.0 * math.pi)


def reuse_extra_error(n, D: int, p: int, gamma: float, readout: str = "full") -> dict[str, float]:
    """Predict how much reusing the first-layer sample in the readout adds to the test error.

    Parameters
    ----------
    n : int
        First-layer sample size (the split readout sample has the same size).
    D, p : int
        Feature dimension and number of latent features.
    gamma : float
        Power-law exponent of the weights.
    readout : {"full", "diagonal"}
        Readout used on the split sample. Its estimation noise (p^2 / (2n) or p / n) is
        absent after reuse, because with T = identity the reused readout is exactly diagonal
        in the eigenbasis.

    Returns
    -------
    dict
        * ``"m"``: number of BBP outliers, |theta_k| > sigma;
        * ``"simple"``: 2 (p - m) D / n, each noise direction at the bulk edge;
        * ``"refined"``: the p - m noise eigenvalues placed at the expected semicircle
          quantiles of |lambda| (slightly inside the edge), plus 2 sigma^4 / theta_k^2 for each
          recovered direction (its coefficient (theta + sigma^2/theta) / 2 overshoots), minus
          the split readout noise. Gaussian-equivalent mode, asymptotic.
    """
    n = check_positive_int(n, "n")
    D = check_positive_int(D, "D")
    check_choice(readout, "readout", ("full", "diagonal"))
    theta = theory.spike_strengths(p, gamma)
    sigma2 = D / n
    m = int(np.sum(theta**2 > sigma2))
    bulk_size = D - m
    if p - m > bulk_size:
        raise InvalidParameterError(f"p={p} is invalid: it must not exceed D={D}.")

    # Expected position of the j-th largest |eigenvalue| among the bulk_size noise eigenvalues.
    quantiles = np.array([
        brentq(lambda x, j=j: _semicircle_abs_survival(x) - (j - 0.5) / bulk_size, 0.0, 2.0)
        for j in range(1, p - m + 1)
    ])
    noise_directions = 0.5 * sigma2 * float(np.sum(quantiles**2))
    overshoot = 2.0 * sigma2 * float(np.sum(sigma2 / theta[:m] ** 2))
    split_noise = p**2 / (2.0 * n) if readout == "full" else p / n
    return {
        "m": m,
        "simple": 2.0 * (p - m) * D / n,
        "refined": noise_directions + overshoot - split_noise,
    }


@dataclass(frozen=True)
class ReuseComparison:
    """Test error of the same first layer with a split and with a reused readout sample.

    Attributes
    ----------
    n : int
        First-layer sample size.
    mse_split, mse_reuse : float
        Test MSE with an independent readout sample of size n, and with the first-layer
        sample reused.
    n_recovered : int
        Directions with squared overlap above 1/2.
    prediction : dict
        :func:`reuse_extra_error` for this setting (Gaussian-equivalent theory).
    """

    n: int
    mse_split: float
    mse_reuse: float
    n_recovered: int
    prediction: dict

    @property
    def extra_error(self) -> float:
        """mse_reuse - mse_split."""
        return self.mse_reuse - self.mse_split


def compare_split_and_reuse(model: HierarchicalModel, n: int, seed: int, *, readout: str = "full",
                            n_test: int = 4000, **fit_options) -> ReuseComparison:
    """Fit with a split and with a reused sample on the same data and compare test errors.

    The first-layer, readout and test samples come from three streams spawned from ``seed``,
    as in :func:`helpers.algorithm.run_layerwise`, so ``mse_split`` equals its result.

    Parameters
    ----------
    model : HierarchicalModel
    n : int
        First-layer sample size.
    seed : int
    readout : {"full", "diagonal", "ridge"}
    n_test : int
    **fit_options
        Passed to :func:`helpers.algorithm.fit_layerwise` (for example ``label_transform``).
    """
    n = check_positive_int(n, "n")
    first_seed, readout_seed, test_seed = np.random.SeedSequence(check_seed(seed)).spawn(3)
    first = model.sample(n, np.random.default_rng(first_seed))
    second = model.sample(n, np.random.default_rng(readout_seed))
    test = model.sample(check_positive_int(n_test, "n_test"), np.random.default_rng(test_seed))

    split_fit = fit_layerwise(model, first, second, readout=readout, **fit_options)
    reuse_fit = fit_layerwise(model, first, None, readout=readout, **fit_options)
    split = evaluate(model, split_fit, test)
    reuse = evaluate(model, reuse_fit, test)
    prediction = reuse_extra_error(n, model.feature_dim, model.n_latent, model.gamma,
                                   readout=readout if readout != "ridge" else "full")
    return ReuseComparison(n, split.mse, reuse.mse, split.n_recovered, prediction)


# ----------------------------------------------------------------------------- heavy tails
def _squared_feature_norms(model: HierarchicalModel, inputs: np.ndarray) -> np.ndarray:
    """Return |phi(x)|^2 (or |z|^2 in the Gaussian-equivalent mode) per sample, shape (n,)."""
    if model.mode == "gaussian_equivalent":
        return np.einsum("nd,nd->n", inputs, inputs)
    if model.q == 2:
        radius2 = np.einsum("nd,nd->n", inputs, inputs)
        # |H(x)|_F^2 = |x x^T - I|_F^2 / 2 = (|x|^4 - 2 |x|^2 + d) / 2.
        return (radius2**2 - 2.0 * radius2 + model.d) / 2.0
    return np.sum(hermite_features(inputs, model.q) ** 2, axis=1)


def rank_one_sizes(model: HierarchicalModel, sample: Sample, label_transform=None) -> np.ndarray:
    """Return |w_mu| |phi_mu|^2 / n, the norm of each sample's rank-one term in C, shape (n,).

    Labels are standardised on ``sample`` and passed through ``label_transform``. A term
    larger than the spikes produces an outlier whose eigenvector is that one sample's
    feature vector phi_mu, not a latent direction.
    """
    scaler = LabelScaler.fit(sample.labels)
    weights = transform_labels(scaler.transform(sample.labels), label_transform)
    return np.abs(weights) * _squared_feature_norms(model, sample.inputs) / sample.n


# ----------------------------------------------------------------------------- centring
@dataclass(frozen=True)
class CentringComparison:
    """First layer of one sample with and without trace-centring.

    Attributes
    ----------
    weights : ndarray, shape (p,)
        Signed teacher weights btilde_k (their signs are the spike signs).
    centred, uncentred : FirstLayer
        Results of :func:`helpers.spectral.first_layer` with ``centre=True`` and ``False``.
    overlaps_centred, overlaps_uncentred : ndarray, shape (p,)
        Matched squared overlaps of each true direction.
    shift : float
        tr C / D: the uncentred spectrum is the centred one plus this value.
    """

    weights: np.ndarray
    centred: FirstLayer
    uncentred: FirstLayer
    overlaps_centred: np.ndarray
    overlaps_uncentred: np.ndarray
    shift: float

    @property
    def hidden_by_shift(self) -> np.ndarray:
        """Indices k (0-based) recovered with centring and missed without it."""
        recovered = self.overlaps_centred > RECOVERY_THRESHOLD
        missed = self.overlaps_uncentred <= RECOVERY_THRESHOLD
        return np.flatnonzero(recovered & missed)


def compare_centring(model: HierarchicalModel, sample: Sample, *, label_transform="soft",
                     method: str = "auto", **first_layer_options) -> CentringComparison:
    """Run the first layer on ``sample`` with and without trace-centring.

    Parameters
    ----------
    model : HierarchicalModel
    sample : Sample
        First-layer sample.
    label_transform : None, str or callable
        Bounded transform T(y); the true model needs one (see :func:`rank_one_sizes`).
    method : {"auto", "dense", "matrix_free"}
        ``"dense"`` also returns the full spectra, for plotting.
    **first_layer_options
        Passed to :func:`helpers.spectral.first_layer`.
    """
    results = {}
    for centre in (True, False):
        results[centre] = first_layer(model, sample, label_transform=label_transform, centre=centre,
                                      method=method, **first_layer_options)
    return CentringComparison(
        weights=model.weights,
        centred=results[True],
        uncentred=results[False],
        overlaps_centred=matched_overlaps(model.directions, results[True].directions),
        overlaps_uncentred=matched_overlaps(model.directions, results[False].directions),
        shift=results[True].trace / model.feature_dim,
    )
