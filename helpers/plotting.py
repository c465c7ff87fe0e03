"""Figure building blocks shared by the notebooks and the widget panels.

Each function draws on a given ``matplotlib.axes.Axes`` and returns it, so the same code
makes the static figure of a notebook and the figure behind its sliders.
"""

from __future__ import annotations

import numpy as np

from . import theory
from .random_matrices import semicircle_density
from .style import direction_colors

__all__ = ["plot_spectrum", "plot_overlaps", "plot_mse"]


def plot_spectrum(ax, spectrum, *, D: int, n: int, theta, selected=None, bins: int = 60):
    """Histogram of a centred spectral matrix against the semicircle and the BBP outliers.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    spectrum : ndarray, shape (D,)
        All eigenvalues.
    D, n : int
        Feature dimension and first-layer sample size (sigma = sqrt(D / n)).
    theta : ndarray, shape (p,)
        Signed spike strengths; predicted outliers are marked for |theta_k| > sigma.
    selected : ndarray, optional
        Eigenvalues kept by the algorithm, marked as dots on the axis.
    """
    sigma = theory.noise_level(D, n)
    theta = np.asarray(theta, dtype=float)
    span = max(np.max(np.abs(spectrum)), 2.0 * sigma) * 1.08
    ax.hist(spectrum, bins=bins, range=(-span, span), density=True, color="0.75",
            label="eigenvalues (density)")
    grid = np.linspace(-span, span, 600)
    ax.plot(grid, semicircle_density(grid, sigma), color="k", lw=1.5, label="semicircle, radius 2σ")
    for edge in (-2.0 * sigma, 2.0 * sigma):
        ax.axvline(edge, color="k", ls=":", lw=1.2)
    visible = np.abs(theta) > sigma
    predicted = theory.outlier_positions(theta[visible], sigma)
    top = semicircle_density(0.0, sigma)
    ax.plot(predicted, np.full(predicted.shape, 0.12 * top), "v", color="tab:red", ms=8,
            label=f"predicted outliers ({visible.sum()})")
    if selected is not None:
        ax.plot(selected, np.full(np.shape(selected), 0.04 * top), "o", mfc="none", color="tab:blue",
                ms=7, label="selected eigenvalues")
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(f"Spectrum at n/D = {n / D:g}")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_overlaps(ax, sizes, overlaps, *, D: int, p: int, gamma: float, current_n=None,
                  max_directions: int = 12):
    """Per-direction squared overlaps against n with the BBP prediction 1 - n_k / n.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : ndarray, shape (m,)
        First-layer sample sizes.
    overlaps : ndarray, shape (m, p)
        Matched squared overlaps, strongest direction first.
    D, p : int
    gamma : float
    current_n : int, optional
        Marked with a vertical line.
    max_directions : int
        Number of directions drawn (the strongest ones).
    """
    sizes = np.asarray(sizes, dtype=float)
    shown = min(p, max_directions)
    colors = direction_colors(shown)
    fine = np.geomspace(sizes[0], sizes[-1], 400)
    thresholds = theory.threshold_sample_sizes(D, p, gamma)
    for k in range(shown):
        ax.plot(sizes / D, overlaps[:, k], "o-", color=colors[k], ms=4, lw=1.2,
                label=f"k = {k + 1}" if k in (0, shown - 1) else None)
        ax.plot(fine / D, np.clip(1.0 - thresholds[k] / fine, 0.0, None), "--", color=colors[k], lw=1.0)
    if current_n is not None:
        ax.axvline(current_n / D, color="tab:red", lw=1.2)
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("n / D")
    ax.set_ylabel("squared overlap")
    ax.set_title("Directions switch on one by one\n(dashed: BBP, 1 − n_k/n)")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_mse(ax, sizes, mse, *, D: int, p: int, gamma: float, readout: str = "full",
             current_n=None):
    """Test MSE against n with the three-term prediction and the predicted slope.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : ndarray, shape (m,)
        First-layer sample sizes (the readout sample has the same size).
    mse : ndarray, shape (m,)
        Simulated test MSE.
    D, p : int
    gamma : float
    readout : {"full", "diagonal"}
        Readout used by the simulation, which sets the readout-noise term.
    current_n : int, optional
        Marked with a larger dot.
    """
    sizes = np.asarray(sizes, dtype=float)
    fine = np.geomspace(sizes[0], sizes[-1], 400)
    prediction = theory.mse_prediction(fine, D, p, gamma, readout=readout)
    ax.plot(sizes / D, mse, "o", color="tab:blue", label="simulation")
    ax.plot(fine / D, prediction["total"], color="k", label="theory: tail + alignment + readout")
    ax.plot(fine / D, prediction["tail"], ":", color="0.4", label="tail alone")
    if gamma > 0.5:
        exponent = theory.scaling_exponent(gamma)
        anchor = sizes[len(sizes) // 2]
        level = np.interp(anchor, fine, prediction["total"])
        ax.plot(fine / D, level * (fine / anchor) ** (-exponent), "--", color="tab:orange",
                label=f"slope −{exponent:.2f} = −(2γ−1)/(2γ)")
    if current_n is not None:
        index = int(np.argmin(np.abs(sizes - current_n)))
        ax.plot(sizes[index] / D, mse[index], "o", ms=12, mfc="none", mec="tab:red", mew=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(max(1e-3, 0.5 * min(np.min(mse), np.min(prediction["total"]))),
                max(1.5, 1.3 * np.max(mse)))
    ax.set_xlabel("n / D")
    ax.set_ylabel("test MSE")
    ax.set_title(f"Scaling of the error, γ = {gamma:g}")
    ax.legend(loc="lower left", fontsize="small")
    return ax
