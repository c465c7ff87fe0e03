"""Figures of the model notebooks: Gaussianity of the latent features and the target's structure.

Each ``plot_*`` function draws on the given axes and returns them; the widget panels of
:mod:`helpers.widgets.model_panels` call the same functions, so the static figure of a notebook
and its interactive version agree. The ``*_data`` functions compute what the figures show.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np

from . import theory
from ._validation import InvalidParameterError, as_generator, check_positive_int
from .gaussianity import estimate_excess_kurtosis
from .hermite import n_hermite_features, quadratic_forms
from .latent_moments import approximate_target_variance, clean_target_variance
from .model import HierarchicalModel
from .style import direction_colors

__all__ = [
    "DIRECTION_KINDS", "latent_direction", "latent_histogram_data", "plot_latent_histogram",
    "plot_kurtosis_curve", "plot_weight_profile", "plot_sample_complexity",
    "target_variance_data", "plot_target_histograms", "plot_target_variance",
]

#: Kinds of first-layer direction compared in the Gaussianity figures.
DIRECTION_KINDS = ("random", "rank 4", "rank 1")

_GAUSSIAN = {"color": "k", "lw": 1.5}


def _label_log_axis(ax, values) -> None:
    """Put plain-number ticks at ``values`` on a logarithmic x axis."""
    ax.set_xticks([float(value) for value in values])
    ax.set_xticklabels([f"{value:g}" for value in values])
    ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())


def latent_direction(d: int, kind: str, seed=0) -> np.ndarray:
    """Return a symmetric d x d matrix A with |A|_F = 1 of the requested kind.

    ``"random"``: the first direction of a :class:`HierarchicalModel` (a uniformly random
    unit vector of R^D seen as a matrix). ``"rank r"``: (1/sqrt(r)) sum_{i<=r} u_i u_i^T with
    random orthonormal u_i, so h = (x^T A x - tr A)/sqrt(2) is a standardised chi-square with
    r degrees of freedom for every d.
    """
    d = check_positive_int(d, "d")
    if kind not in DIRECTION_KINDS:
        options = ", ".join(repr(option) for option in DIRECTION_KINDS)
        raise InvalidParameterError(f"kind={kind!r} is unknown: choose one of {options}.")
    if kind == "random":
        return HierarchicalModel(d=d, p=1, mode="true", seed=seed).direction_matrices[0]
    rank = int(kind.split()[1])
    if rank > d:
        raise InvalidParameterError(f"kind={kind!r} needs d >= {rank}, got d={d}.")
    basis, _ = np.linalg.qr(as_generator(seed).standard_normal((d, rank)))
    return basis @ basis.T / math.sqrt(rank)


def latent_histogram_data(d: int, kind: str = "random", n: int = 20000, seed: int = 0) -> dict:
    """Draw n values of h = (x^T A x - tr A)/sqrt(2) for a direction of ``kind``.

    Returns
    -------
    dict
        ``"samples"`` (n,), ``"exact_kurtosis"`` 12 tr(A^4), ``"measured"`` (a
        :class:`~helpers.gaussianity.MonteCarloEstimate` of the excess kurtosis), ``"d"`` and
        ``"kind"``.
    """
    matrix = latent_direction(d, kind, seed)
    x = as_generator(seed + 1).standard_normal((check_positive_int(n, "n"), d))
    samples = quadratic_forms(x, matrix[None])[:, 0]
    square = matrix @ matrix
    return {
        "samples": samples,
        "exact_kurtosis": float(12.0 * np.sum(square * square)),
        "measured": estimate_excess_kurtosis(samples, n_batches=min(20, n // 500)),
        "d": d,
        "kind": kind,
    }


def plot_latent_histogram(ax, data: dict, bins: int = 60):
    """Plot a histogram of a latent feature against the N(0, 1) density, on a log scale."""
    samples = data["samples"]
    span = max(6.0, np.quantile(np.abs(samples), 0.9995))
    ax.hist(samples, bins=bins, range=(-span, span), density=True, color="tab:blue", alpha=0.45,
            label=f"h, {data['kind']} direction, d = {data['d']}")
    grid = np.linspace(-span, span, 400)
    ax.plot(grid, np.exp(-grid**2 / 2) / math.sqrt(2 * math.pi), label="N(0, 1)", **_GAUSSIAN)
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 1.0)
    ax.set_xlabel("h = (xᵀAx − tr A)/√2")
    ax.set_ylabel("density (log scale)")
    measured = data["measured"]
    ax.set_title(f"Excess kurtosis {measured.value:.2f} ± {measured.standard_error:.2f}"
                 f" (exact: 12 tr A⁴ = {data['exact_kurtosis']:.2f})")
    ax.legend(loc="lower center", fontsize="small")
    return ax


def plot_kurtosis_curve(ax, curve: dict, current=None, kinds=DIRECTION_KINDS):
    """Plot the excess kurtosis of latent features against d on log-log axes.

    Parameters
    ----------
    curve : dict
        Output of :func:`helpers.gaussianity.latent_kurtosis_curve` (random directions).
    current : dict, optional
        Output of :func:`latent_histogram_data`, marked with a red circle.
    kinds : sequence of str
        Low-rank kinds drawn as horizontal lines at 12 / r.
    """
    d = curve["d"]
    ax.errorbar(d, curve["measured"], yerr=2 * curve["standard_error"], fmt="o", color="tab:blue",
                capsize=3, label="random directions, Monte Carlo ± 2 s.e.")
    fine = np.geomspace(d.min(), d.max(), 200)
    ax.plot(d, curve["exact"], "-", color="tab:blue", lw=1, label="exact mean of 12 tr A⁴")
    ax.plot(fine, 24.0 / fine, "--", color="k", lw=1.2, label="24/d")
    for kind in kinds:
        if kind.startswith("rank"):
            rank = int(kind.split()[1])
            ax.axhline(12.0 / rank, color="tab:orange", ls=":", lw=1.5)
            ax.text(np.sqrt(d.min() * d.max()), 12.0 / rank, f"{kind}: 12/{rank}", va="bottom", ha="center",
                    color="tab:orange", fontsize="small")
    if current is not None:
        ax.plot(current["d"], current["measured"].value, "o", ms=13, mfc="none", mec="tab:red", mew=2,
                label="current slider value")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _label_log_axis(ax, d)
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("excess kurtosis of h")
    ax.set_title("Latent features become Gaussian like 1/d")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_weight_profile(ax_weights, ax_share, p: int, gamma: float, signs=None,
                        compare=(0.0, 0.5, 1.0, 1.5)):
    """Plot |btilde_k| on log-log axes and the cumulative variance share sum_{j<=k} btilde_j^2.

    Parameters
    ----------
    ax_weights, ax_share : matplotlib.axes.Axes
    p : int
    gamma : float
        Exponent drawn in colour; the values in ``compare`` are drawn in grey for reference.
    signs : ndarray, shape (p,), optional
        Signs s_k; negative weights are drawn as open markers.
    """
    k = np.arange(1, p + 1)
    weights = theory.power_law_weights(p, gamma)
    signs = np.ones(p) if signs is None else np.sign(np.asarray(signs, dtype=float))
    for other in compare:
        if abs(other - gamma) > 1e-9:
            ax_weights.plot(k, theory.power_law_weights(p, other), color="0.8", lw=1)
            ax_share.plot(k, np.cumsum(theory.power_law_weights(p, other) ** 2), color="0.8", lw=1)
    positive = signs > 0
    ax_weights.plot(k, weights, color="tab:blue", lw=1.2)
    ax_weights.plot(k[positive], weights[positive], "o", color="tab:blue", ms=5, label="s_k = +1")
    ax_weights.plot(k[~positive], weights[~positive], "o", mfc="white", mec="tab:blue", ms=5,
                    label="s_k = −1")
    ax_weights.set_xscale("log")
    ax_weights.set_yscale("log")
    ax_weights.set_xlabel("feature k")
    ax_weights.set_ylabel("|b̃_k|")
    ax_weights.set_title(f"Weights ∝ k^(−γ), γ = {gamma:g} (grey: γ = {', '.join(f'{c:g}' for c in compare)})")
    ax_weights.legend(loc="lower left", fontsize="small")

    share = np.cumsum(weights**2)
    ax_share.plot(k, share, "o-", color="tab:blue", ms=4)
    for level in (0.5, 0.9):
        needed = int(np.searchsorted(share, level - 1e-12) + 1)
        ax_share.axhline(level, color="0.5", ls=":", lw=1)
        ax_share.annotate(f"{int(level * 100)} % after k = {needed}", (needed, level),
                          textcoords="offset points", xytext=(8, -14), fontsize="small")
    ax_share.set_xscale("log")
    ax_share.set_ylim(0.0, 1.02)
    ax_share.set_xlabel("number of features learned, m")
    ax_share.set_ylabel("variance explained, Σ_{k≤m} b̃_k²")
    ax_share.set_title("Share of the target carried by the first m features")
    return ax_weights, ax_share


def plot_sample_complexity(ax, dims, p: int, gamma: float, q: int = 2):
    """Plot sample sizes against d: degree-2q polynomial features versus the layer-wise thresholds.

    A learner that fits all polynomials of degree up to 2q in x needs n of order
    binom(d + 2q, 2q) ~ d^(2q) / (2q)!; the layer-wise method sees feature k once
    n > n_k = D / theta_k^2 with D = binom(d + q - 1, q).
    """
    dims = np.asarray(dims, dtype=float)
    polynomial = np.array([math.comb(int(d) + 2 * q, 2 * q) for d in dims], dtype=float)
    D = np.array([n_hermite_features(int(d), q) for d in dims], dtype=float)
    thresholds = theory.threshold_sample_sizes(1, p, gamma)  # n_k / D
    ax.plot(dims, polynomial, "-", color="tab:red", label=f"polynomials of degree ≤ {2 * q}: ~d^{2 * q}")
    ax.plot(dims, D * thresholds[0], "-", color="tab:blue", label="layer-wise, first feature: D/θ₁²")
    ax.plot(dims, D * thresholds[-1], "--", color="tab:blue", label=f"layer-wise, feature p = {p}: D/θ_p²")
    ax.plot(dims, D, ":", color="0.4", label=f"D = binom(d+{q - 1}, {q}) ~ d^{q}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("samples needed (order of magnitude)")
    ax.set_title(f"Shallow versus layer-wise, q = {q}, p = {p}, γ = {gamma:g}")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def target_variance_data(dims, eps: float, gamma: float = 1.0, seeds=range(4)) -> dict[str, np.ndarray]:
    """Compute the exact clean-target variance of the true model for several d and teachers.

    Parameters
    ----------
    dims : sequence of int
    eps : float
        Latent width exponent, p = round(d^eps).
    gamma : float
    seeds : iterable of int
        Teacher seeds (each gives other signs s_k and another frame).

    Returns
    -------
    dict
        ``"d"`` (m,), ``"exact"`` (m, len(seeds)) from :func:`clean_target_variance`,
        ``"approximation"`` (m, len(seeds)) from :func:`approximate_target_variance`.
    """
    seeds = list(seeds)
    exact = np.empty((len(dims), len(seeds)))
    approximation = np.empty_like(exact)
    for i, d in enumerate(dims):
        for j, seed in enumerate(seeds):
            model = HierarchicalModel(d=int(d), eps=eps, gamma=gamma, mode="true", seed=seed)
            exact[i, j] = clean_target_variance(model)
            approximation[i, j] = approximate_target_variance(int(d), model.weights)
    return {"d": np.asarray(dims, dtype=float), "exact": exact, "approximation": approximation}


def plot_target_histograms(ax, true_labels, equivalent_labels, d: int, bins: int = 80):
    """Plot the clean target of the true model and of its Gaussian-equivalent twin (log density)."""
    span = np.quantile(np.abs(np.concatenate([true_labels, equivalent_labels])), 0.9995)
    for labels, name, color in ((equivalent_labels, "Gaussian-equivalent", "0.55"),
                                (true_labels, f"true model, d = {d}", "tab:blue")):
        ax.hist(labels, bins=bins, range=(-span, span), density=True, histtype="step", lw=1.8,
                color=color, label=f"{name}: Var = {np.var(labels):.2f}")
    ax.set_yscale("log")
    ax.set_xlabel("clean target y")
    ax.set_ylabel("density (log scale)")
    ax.set_title("Same teacher, two modes")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_target_variance(ax, data: dict, current=None):
    """Plot the exact Var(y) of the true model against d, one marker per teacher.

    Parameters
    ----------
    data : dict
        Output of :func:`target_variance_data`.
    current : tuple of (d, variance, standard error), optional
        A Monte Carlo point to mark.
    """
    d = data["d"]
    n_teachers = data["exact"].shape[1]
    colors = direction_colors(n_teachers, "plasma")
    for j in range(n_teachers):
        ax.plot(d, data["exact"][:, j], "o", color=colors[j], ms=5, alpha=0.8,
                label=f"exact, teacher seeds 0-{n_teachers - 1}" if j == 0 else None)
    fine = np.geomspace(d.min(), d.max(), 200)
    ax.plot(fine, 1.0 + 12.0 / fine, "--", color="0.3", lw=1.2,
            label="1 + 12/d: average over random signs")
    ax.axhline(1.0, color="k", lw=1.5, label="Gaussian-equivalent: exactly 1")
    if current is not None:
        ax.errorbar([current[0]], [current[1]], yerr=[2 * current[2]], fmt="s", ms=9, mfc="none",
                    mec="tab:red", mew=2, ecolor="tab:red", capsize=4,
                    label="Monte Carlo at the slider values ± 2 s.e.")
    ax.set_xscale("log")
    _label_log_axis(ax, d)
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("Var(y), clean target")
    ax.set_title("True model: Var(y) ≈ 1 + 8/d + 4(Σ_k b̃_k)²/d")
    ax.legend(loc="upper right", fontsize="small")
    return ax
