"""The hierarchical target: Hermite features, a random orthonormal first layer, power-law readout.

The target is

    y = g*( sum_k btilde_k He_2(h_k) / sqrt(2) ) + noise,   h_k = <a_k, phi(x)>,

with phi the orthonormal degree-q Hermite features of x ~ N(0, I_d) (see
:mod:`helpers.hermite`), a_1..a_p a uniformly random orthonormal p-frame of R^D, and
b_k = s_k k^(-gamma), btilde = b / |b|. In the ``"gaussian_equivalent"`` mode phi(x) is
replaced by z ~ N(0, I_D), so the latent features are exactly Gaussian and the theory of
:mod:`helpers.theory` is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._validation import (
    InvalidParameterError,
    as_generator,
    check_choice,
    check_memory,
    check_positive_int,
    check_real,
    check_supported_q,
)
from .hermite import features_to_symmetric, hermite_features, n_hermite_features, quadratic_forms

__all__ = ["MODES", "HierarchicalModel", "Sample", "LabelScaler"]

MODES = ("true", "gaussian_equivalent")
_SIGNS = ("random", "positive")
_LINKS = ("identity", "tanh")


@dataclass(frozen=True)
class Sample:
    """Training or test data drawn from a :class:`HierarchicalModel`.

    Attributes
    ----------
    inputs : ndarray, shape (n, d) or (n, D)
        Raw inputs x in the ``"true"`` mode, Gaussian features z in the
        ``"gaussian_equivalent"`` mode.
    latents : ndarray, shape (n, p)
        Latent features h_k of each sample.
    clean_labels : ndarray, shape (n,)
        Target without noise, not standardised.
    labels : ndarray, shape (n,)
        Target with noise, not standardised.
    """

    inputs: np.ndarray
    latents: np.ndarray
    clean_labels: np.ndarray
    labels: np.ndarray

    @property
    def n(self) -> int:
        """Number of samples."""
        return self.labels.shape[0]

    def head(self, n: int) -> "Sample":
        """Return the first ``n`` samples (views, no copy), for nested sample sizes."""
        n = check_positive_int(n, "n")
        if n > self.n:
            raise InvalidParameterError(
                f"n={n} is invalid: this sample holds only {self.n} points; draw a larger one."
            )
        return Sample(self.inputs[:n], self.latents[:n], self.clean_labels[:n], self.labels[:n])


@dataclass(frozen=True)
class LabelScaler:
    """Affine standardisation of labels, fitted on training labels.

    Attributes
    ----------
    mean, std : float
        Training mean and standard deviation; ``transform`` returns (y - mean) / std.
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, labels) -> "LabelScaler":
        """Fit the scaler on training labels of shape (n,)."""
        labels = np.asarray(labels, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            std = float(labels.std())
        if labels.ndim != 1 or labels.size < 2 or not 0 < std < np.inf or not np.all(np.isfinite(labels)):
            raise InvalidParameterError(
                f"cannot standardise labels of shape {labels.shape} with standard deviation {std}: "
                "use a 1-D array of at least two finite labels of a non-constant target "
                "(a huge noise_std makes the standard deviation overflow)."
            )
        return cls(float(labels.mean()), std)

    def transform(self, labels) -> np.ndarray:
        """Return the standardised labels."""
        return (np.asarray(labels, dtype=float) - self.mean) / self.std


@dataclass(frozen=True)
class HierarchicalModel:
    """Teacher of the hierarchical model: dimensions, first-layer frame and readout weights.

    The frame and the signs are drawn from ``seed`` alone, so models that differ only in
    ``gamma``, ``noise_std`` or ``link`` share the same latent directions.

    Parameters
    ----------
    d : int, optional
        Input dimension. Required in the ``"true"`` mode and when ``p`` comes from ``eps``.
    p : int, optional
        Number of latent features. Give ``p`` or ``eps``.
    eps : float, optional
        Latent width exponent, p = round(d^eps).
    gamma : float
        Power-law exponent of the readout weights, b_k proportional to k^(-gamma), gamma >= 0.
    q : int
        Hermite degree of the first layer, 2 or 3.
    mode : {"gaussian_equivalent", "true"}
        Whether phi(x) is replaced by a standard Gaussian vector z.
    D : int, optional
        Feature dimension. Derived from d and q when omitted; in the
        ``"gaussian_equivalent"`` mode it may be given instead of d.
    signs : {"random", "positive"}
        Rademacher signs s_k, or all +1.
    link : {"identity", "tanh"}
        Outer function g*.
    noise_std : float
        Standard deviation of additive Gaussian label noise.
    seed : int
        Seed of the teacher (frame and signs).
    """

    d: int | None = None
    p: int | None = None
    eps: float | None = None
    gamma: float = 1.0
    q: int = 2
    mode: str = "gaussian_equivalent"
    D: int | None = None
    signs: str = "random"
    link: str = "identity"
    noise_std: float = 0.0
    seed: int = 0

    def __post_init__(self):
        check_choice(self.mode, "mode", MODES)
        check_choice(self.signs, "signs", _SIGNS)
        check_choice(self.link, "link", _LINKS)
        check_supported_q(self.q)
        check_real(self.gamma, "gamma", minimum=0.0)
        check_real(self.noise_std, "noise_std", minimum=0.0)
        as_generator(self.seed)
        if self.d is not None:
            check_positive_int(self.d, "d")
        if self.D is not None:
            check_positive_int(self.D, "D")
        if self.d is None and (self.mode == "true" or self.D is None):
            raise InvalidParameterError(
                f"d is missing: mode={self.mode!r} needs the input dimension d"
                + (" (or D in the 'gaussian_equivalent' mode)." if self.mode != "true" else ".")
            )
        if self.d is not None and self.D is not None and self.D != n_hermite_features(self.d, self.q):
            raise InvalidParameterError(
                f"D={self.D} contradicts d={self.d}, q={self.q} (which give "
                f"D={n_hermite_features(self.d, self.q)}): pass only one of d and D."
            )
        if (self.p is None) == (self.eps is None):
            raise InvalidParameterError(
                f"p={self.p!r}, eps={self.eps!r}: give exactly one of p (number of latent "
                "features) and eps (p = round(d**eps))."
            )
        if self.p is not None:
            check_positive_int(self.p, "p")
        else:
            check_real(self.eps, "eps", minimum=0.0)
            if self.d is None:
                raise InvalidParameterError("eps needs d: pass d, or pass p directly.")
            if self.eps * math.log(self.d) > math.log(self.feature_dim) + 1.0:
                raise InvalidParameterError(
                    f"eps={self.eps} is invalid: p = d**eps exceeds the feature dimension "
                    f"D={self.feature_dim}; use a smaller eps."
                )
        if self.n_latent > self.feature_dim:
            raise InvalidParameterError(
                f"p={self.n_latent} is invalid: it exceeds the feature dimension D={self.feature_dim}; "
                "use p <= D (a smaller eps or p, or a larger d)."
            )

    # ----------------------------------------------------------------- dimensions
    @property
    def feature_dim(self) -> int:
        """D, the dimension of the Hermite (or Gaussian) features."""
        return int(self.D) if self.D is not None else n_hermite_features(self.d, self.q)

    @property
    def n_latent(self) -> int:
        """p, the number of latent features."""
        if self.p is not None:
            return int(self.p)
        return max(1, int(round(self.d ** self.eps)))

    @property
    def input_dim(self) -> int:
        """Width of :attr:`Sample.inputs`: d in the ``"true"`` mode, D otherwise."""
        return int(self.d) if self.mode == "true" else self.feature_dim

    # ----------------------------------------------------------------- teacher
    @cached_property
    def _teacher(self) -> tuple[np.ndarray, np.ndarray]:
        check_memory(16.0 * self.feature_dim * self.n_latent,
                     f"the teacher frame of shape ({self.feature_dim}, {self.n_latent})",
                     "use a smaller D or p")
        rng = np.random.default_rng(self.seed)
        gaussian = rng.standard_normal((self.feature_dim, self.n_latent))
        frame, upper = np.linalg.qr(gaussian)
        # Multiplying by the signs of diag(R) makes the QR frame exactly Haar-distributed.
        frame = frame * np.where(np.diag(upper) < 0, -1.0, 1.0)
        if self.signs == "random":
            signs = rng.choice(np.array([-1.0, 1.0]), size=self.n_latent)
        else:
            signs = np.ones(self.n_latent)
        return frame, signs

    @property
    def directions(self) -> np.ndarray:
        """First-layer frame a_1..a_p as columns, shape (D, p), orthonormal."""
        return self._teacher[0]

    @cached_property
    def direction_matrices(self) -> np.ndarray:
        """For q = 2: the directions as symmetric matrices A_k, shape (p, d, d), |A_k|_F = 1."""
        if self.q != 2 or self.d is None:
            raise InvalidParameterError(
                "direction_matrices exists only for q=2 with a known d; use directions instead."
            )
        return features_to_symmetric(self.directions.T, self.d)

    @property
    def weights(self) -> np.ndarray:
        """Normalised readout weights btilde_k = s_k k^(-gamma) / |b|, shape (p,)."""
        k = np.arange(1, self.n_latent + 1, dtype=float)
        raw = self._teacher[1] * k ** (-float(self.gamma))
        return raw / np.linalg.norm(raw)

    # ----------------------------------------------------------------- sampling
    def check_sample(self, sample: Sample, name: str = "sample") -> Sample:
        """Return ``sample`` if its arrays fit this model's widths and each other, or raise."""
        if not isinstance(sample, Sample):
            raise InvalidParameterError(f"{name} is a {type(sample).__name__}: expected a Sample.")
        n = sample.inputs.shape[0]
        if sample.inputs.ndim != 2 or sample.inputs.shape[1] != self.input_dim:
            raise InvalidParameterError(
                f"{name} has inputs of shape {sample.inputs.shape}: expected (n, {self.input_dim}) "
                f"for this model (mode={self.mode!r}); draw it with this model's sample()."
            )
        if sample.labels.shape != (n,) or sample.latents.shape[0] != n:
            raise InvalidParameterError(
                f"{name} holds {n} inputs but labels of shape {sample.labels.shape} and latents of "
                f"shape {sample.latents.shape}: the arrays must have one row per sample."
            )
        return sample

    def latent_features(self, inputs) -> np.ndarray:
        """Compute h = A phi(x) (or A z) for inputs of shape (n, d) or (n, D); returns (n, p)."""
        inputs = np.asarray(inputs, dtype=float)
        if inputs.ndim != 2 or inputs.shape[1] != self.input_dim:
            raise InvalidParameterError(
                f"inputs have shape {inputs.shape}: expected (n, {self.input_dim}) for mode={self.mode!r}."
            )
        if self.mode == "gaussian_equivalent":
            return inputs @ self.directions
        if self.q == 2:
            return quadratic_forms(inputs, self.direction_matrices)
        check_memory(8.0 * inputs.shape[0] * self.feature_dim,
                     f"degree-3 Hermite features (n={inputs.shape[0]}, D={self.feature_dim})",
                     "draw fewer samples at a time")
        return hermite_features(inputs, self.q) @ self.directions

    def target(self, latents) -> np.ndarray:
        """Clean target g*(sum_k btilde_k He_2(h_k)/sqrt(2)) for latents of shape (n, p)."""
        latents = np.asarray(latents, dtype=float)
        pre_activation = ((latents**2 - 1.0) / math.sqrt(2.0)) @ self.weights
        return np.tanh(pre_activation) if self.link == "tanh" else pre_activation

    def sample(self, n: int, seed, memory_budget: int | None = None) -> Sample:
        """Draw ``n`` independent samples with labels.

        Parameters
        ----------
        n : int
            Number of samples.
        seed : int or numpy.random.Generator
            Source of randomness for the inputs and the label noise.
        memory_budget : int, optional
            Limit in bytes for the input array; defaults to the global budget.
        """
        n = check_positive_int(n, "n")
        check_memory(8.0 * n * self.input_dim, f"inputs of shape ({n}, {self.input_dim})",
                     "draw fewer samples (smaller n)", memory_budget)
        rng = as_generator(seed)
        inputs = rng.standard_normal((n, self.input_dim))
        return self._labelled(inputs, self.latent_features(inputs), rng)

    def relabel(self, sample: Sample, seed=0) -> Sample:
        """Return ``sample`` with labels of this model (same inputs and latent features).

        Models built from the same ``seed`` share their directions, so this gives the
        labels of another ``gamma``, ``link`` or ``noise_std`` for the same inputs without
        recomputing the latent features. ``seed`` drives the label noise only.
        """
        if sample.inputs.shape[1] != self.input_dim or sample.latents.shape[1] != self.n_latent:
            raise InvalidParameterError(
                f"sample has inputs {sample.inputs.shape} and latents {sample.latents.shape}: "
                f"expected widths {self.input_dim} and {self.n_latent} for this model."
            )
        return self._labelled(sample.inputs, sample.latents, as_generator(seed))

    def _labelled(self, inputs, latents, rng) -> Sample:
        clean = self.target(latents)
        noisy = clean + self.noise_std * rng.standard_normal(len(clean)) if self.noise_std > 0 else clean
        return Sample(inputs, latents, clean, noisy)
