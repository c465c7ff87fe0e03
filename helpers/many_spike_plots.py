"""Figures of the many-spike notebook: angles and their bounds, error exponents, the outlier equation.

Spectra and per-direction overlaps against n reuse :func:`helpers.plotting.plot_spectrum`
and :func:`helpers.plotting.plot_overlaps`.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.ticker import FormatStrFormatter, MaxNLocator

from . import theory
from .many_spikes import davis_kahan_bound, recovery_by_criterion, unrecovered_share
from .metrics import RECOVERY_THRESHOLD
from .random_matrices import semicircle_stieltjes

__all__ = ["plot_outlier_positions", "plot_angle_bounds", "recovery_curves", "plot_recovery_exponents",
           "plot_outlier_equation", "plot_resolvent_decoupling"]


def plot_outlier_positions(ax, spectrum, theta, sigma: float):
    """Plot the k-th largest eigenvalue against its BBP prediction theta_k + sigma^2 / theta_k, per k.

    A histogram cannot separate outliers that lie closer than a bin; this view puts each
    spike on its own abscissa, so every outlier can be compared with its own prediction.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    spectrum : array_like, shape (D,)
        All eigenvalues of the spiked matrix.
    theta : array_like, shape (p,)
        Positive spike strengths, strongest first.
    sigma : float
        Noise level; the bulk edge is 2 sigma.
    """
    theta = np.asarray(theta, dtype=float)
    k = np.arange(1, theta.size + 1)
    top = np.sort(np.asarray(spectrum, dtype=float))[::-1][:theta.size]
    above = theta > sigma
    ax.semilogy(k, top, "o", color="tab:blue", ms=6, label="k-th largest eigenvalue")
    ax.semilogy(k[above], theory.outlier_positions(theta[above], sigma), "x", color="tab:red",
                ms=8, mew=1.8, label="BBP: θ_k + σ²/θ_k (θ_k > σ)")
    ax.axhline(2.0 * sigma, color="k", ls=":", lw=1.2, label="bulk edge 2σ")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis_formatter in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
        axis_formatter(FormatStrFormatter("%g"))
    ax.set_xlabel("direction k (strongest first)")
    ax.set_ylabel("eigenvalue")
    ax.set_title(f"Outliers one by one at n/D = {1.0 / sigma**2:g}")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_angle_bounds(ax, theta, sigma: float, sin_angles, noise_norm: float):
    """Plot the observed sin angle(v_k, u_k) per direction against the BBP value and the Davis-Kahan bound.

    Parameters
    ----------
    theta : array_like, shape (p,)
        Spike strengths, strongest first.
    sigma : float
        Noise level.
    sin_angles : array_like, shape (p,)
        Observed sines, index-matched (k-th direction with the k-th top eigenvector).
    noise_norm : float
        |W|_op of the noise of this draw.
    """
    theta = np.asarray(theta, dtype=float)
    k = np.arange(1, theta.size + 1)
    bound = davis_kahan_bound(theta, noise_norm)
    above = theta > sigma
    ax.semilogy(k, sin_angles, "o", color="tab:blue", label="observed sin∠(v_k, u_k)")
    ax.semilogy(k[above], sigma / theta[above], "-", color="k", label="BBP: sin² = σ²/θ_k²")
    ax.semilogy(k, bound, "s--", ms=4, color="tab:orange", label="Davis-Kahan: 2‖W‖/δ_k")
    ax.axhline(1.0, color="0.4", lw=1.0)
    ax.axhline(np.sqrt(1.0 - RECOVERY_THRESHOLD), color="tab:red", ls=":", lw=1.2,
               label="recovered below this line (cos² > 1/2)")
    finite = bound[np.isfinite(bound)]
    if finite.size < bound.size:
        ax.text(0.02, 0.97, "equal strengths: zero gaps, no Davis-Kahan bound", transform=ax.transAxes,
                va="top", fontsize="small", color="tab:orange")
    top = max(np.max(finite), 1.0) if finite.size else 1.0
    ax.set_ylim(max(1e-3, 0.5 * np.min(sin_angles)), 2.0 * top)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("direction k (strongest first)")
    ax.set_ylabel("sine of the angle")
    ax.set_title(f"Angles at n/D = {1.0 / sigma**2:g}")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def recovery_curves(ratios, p: int, gamma: float) -> dict[str, np.ndarray]:
    """Count the recovered directions and the unrecovered signal share against n / D, from theory.

    Uses sigma = sqrt(D / n) and |W|_op = 2 sigma; "recovered" means a squared overlap
    above 1/2, predicted by BBP or guaranteed by Davis-Kahan
    (:func:`helpers.many_spikes.recovery_by_criterion`).

    Parameters
    ----------
    ratios : array_like, shape (m,)
        Values of n / D.
    p : int
        Number of spikes; take it large (thousands) so that the tail does not run out.
    gamma : float
        Power-law exponent.

    Returns
    -------
    dict
        ``"ratio"`` and ``"count_bbp"``, ``"count_dk"``, ``"tail_bbp"``, ``"tail_dk"``, each
        of shape (m,), and ``"p"``.
    """
    ratios = np.asarray(ratios, dtype=float)
    theta = theory.spike_strengths(p, gamma)
    curves = {"ratio": ratios, "p": p, "count_bbp": [], "count_dk": [], "tail_bbp": [], "tail_dk": []}
    for ratio in ratios:
        recovered = recovery_by_criterion(theta, 1.0 / np.sqrt(ratio))
        for key, name in (("bbp", "bbp"), ("dk", "davis_kahan")):
            curves[f"count_{key}"].append(int(recovered[name].sum()))
            curves[f"tail_{key}"].append(unrecovered_share(theta, recovered[name]))
    return {key: np.asarray(value) for key, value in curves.items()}


def _fitted_slope(x, y) -> float:
    keep = (y > 0) & np.isfinite(y)
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0])


def plot_recovery_exponents(axes, curves: dict, gamma: float):
    """Plot the counts and tail errors implied by BBP and by Davis-Kahan, with their exponents.

    Parameters
    ----------
    axes : pair of matplotlib.axes.Axes
        Left: number of recovered directions; right: unrecovered signal share.
    curves : dict
        Output of :func:`recovery_curves`.
    gamma : float
        Exponent, > 1/2 for the reference slopes.
    """
    ratio = curves["ratio"]
    count_ax, tail_ax = axes
    styles = {"bbp": ("tab:blue", "BBP, per direction"), "dk": ("tab:orange", "Davis-Kahan guarantee")}
    for key, (color, label) in styles.items():
        count_ax.loglog(ratio, np.maximum(curves[f"count_{key}"], 0.5), color=color, label=label)
        tail_ax.loglog(ratio, curves[f"tail_{key}"], color=color, label=label)
    exponents = {"bbp": theory.scaling_exponent(gamma), "dk": theory.davis_kahan_exponent(gamma)}
    names = {"bbp": "(2γ−1)/(2γ)", "dk": "(2γ−1)/(2γ+2)"}
    for key, (color, _) in styles.items():
        tail = curves[f"tail_{key}"]
        # Fit where the tail is still a power law: at least 3 directions recovered and
        # fewer than a quarter of all, far from the cut-off at k = p.
        counts = curves[f"count_{key}"]
        window = (counts >= 3) & (counts <= curves["p"] / 4) & (tail > 0)
        fitted = _fitted_slope(ratio[window], tail[window]) if window.sum() > 2 else np.nan
        anchor = np.flatnonzero(window)[0] if window.any() else 0
        reference = tail[anchor] * (ratio / ratio[anchor]) ** (-exponents[key])
        tail_ax.loglog(ratio, reference, ":", color=color, lw=1.5,
                       label=f"slope −{names[key]} = −{exponents[key]:.2f} (fit {fitted:.2f})")
    count_ax.set_ylim(0.7, None)
    count_ax.set_xlabel("n / D")
    count_ax.set_ylabel("directions recovered (cos² > 1/2)")
    count_ax.set_title(f"Recovered directions, γ = {gamma:g}")
    tail_ax.set_xlabel("n / D")
    tail_ax.set_ylabel("unrecovered share Σ θ_k² / Σ θ²")
    tail_ax.set_title("Error each criterion implies")
    for ax in axes:
        ax.legend(loc="best", fontsize="small")
    return axes


def plot_outlier_equation(ax, lambdas, kernel_eigenvalues, theta, sigma: float, outliers):
    """Plot the eigenvalues of I - Theta^(1/2) V^T (lambda - W)^(-1) V Theta^(1/2) against lambda.

    Solid: the exact curves; dashed: the decoupled prediction 1 - theta_k G(lambda). Each
    zero crossing is an outlier; vertical lines mark the eigenvalues of the spiked matrix
    beyond the bulk edge.

    Parameters
    ----------
    lambdas : array_like, shape (m,)
    kernel_eigenvalues : array_like, shape (m, p)
        Output of :func:`helpers.many_spikes.outlier_equation_eigenvalues`.
    theta : array_like, shape (p,)
    sigma : float
    outliers : array_like
        Eigenvalues of the spiked matrix above the largest eigenvalue of W.
    """
    lambdas = np.asarray(lambdas, dtype=float)
    theta = np.asarray(theta, dtype=float)
    colors = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, theta.size))
    stieltjes = semicircle_stieltjes(lambdas, sigma).real
    for k in range(theta.size):
        ax.plot(lambdas, np.asarray(kernel_eigenvalues)[:, k], color="0.3", lw=1.0,
                label="exact: eigenvalues of I − Θ^½ R(λ) Θ^½,\nR(λ) = Vᵀ(λ − W)⁻¹V" if k == 0 else None)
        ax.plot(lambdas, 1.0 - theta[k] * stieltjes, "--", color=colors[k], lw=1.2,
                label="decoupled: 1 − θ_k G(λ)" if k == 0 else None)
    for index, outlier in enumerate(outliers):
        ax.axvline(outlier, color="tab:red", lw=0.8, alpha=0.6,
                   label="eigenvalues of M beyond the bulk" if index == 0 else None)
    ax.axhline(0.0, color="k", lw=1.0)
    ax.set_ylim(-1.0, 1.05)
    ax.set_xlabel("λ")
    ax.set_ylabel("eigenvalues of the p × p kernel")
    ax.set_title("Outlier equation det(I − Θ Vᵀ(λ − W)⁻¹V) = 0")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_resolvent_decoupling(ax, lambdas, projections, sigma: float):
    """Plot the diagonal and off-diagonal entries of V^T (lambda - W)^(-1) V against G(lambda).

    Parameters
    ----------
    lambdas : array_like, shape (m,)
    projections : array_like, shape (m, p, p)
        Output of :func:`helpers.many_spikes.resolvent_projection`.
    sigma : float
    """
    lambdas = np.asarray(lambdas, dtype=float)
    projections = np.asarray(projections, dtype=float)
    p = projections.shape[1]
    diagonal = np.diagonal(projections, axis1=1, axis2=2)
    off_diagonal = np.abs(projections[:, ~np.eye(p, dtype=bool)])
    ax.plot(lambdas, diagonal, color="tab:blue", lw=0.8, alpha=0.5)
    ax.plot([], [], color="tab:blue", lw=0.8, label=f"diagonal entries ({p})")
    ax.plot(lambdas, semicircle_stieltjes(lambdas, sigma).real, color="k", lw=2.0, label="G(λ)")
    ax.plot(lambdas, off_diagonal.max(axis=1), color="tab:orange", label="largest |off-diagonal|")
    ax.set_xlabel("λ")
    ax.set_ylabel("entries of Vᵀ(λ − W)⁻¹V")
    ax.set_title("Vᵀ(λ − W)⁻¹V ≈ G(λ) I")
    ax.legend(loc="upper right", fontsize="small")
    return ax
