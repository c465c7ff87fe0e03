"""Figures of the random-matrix notebooks: bulk laws, edge fluctuations, Stieltjes transforms, BBP.

Each ``plot_*`` function draws on the given axes and returns them. The widget panels call
the same functions, so a static figure at default parameters and the interactive one agree.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from . import theory
from .random_matrices import (
    density_from_stieltjes,
    empirical_stieltjes,
    marchenko_pastur_density,
    marchenko_pastur_edges,
    semicircle_density,
    semicircle_stieltjes,
)
from .spiked import covariance_outlier, covariance_overlap, critical_window

__all__ = [
    "plot_semicircle_fit", "plot_marchenko_pastur_fit", "plot_edge_fluctuations",
    "plot_edge_collapse", "plot_stieltjes_smoothing", "plot_empirical_stieltjes",
    "plot_spiked_spectrum", "plot_bbp_sweep", "plot_finite_size_window",
]

_THEORY = {"color": "k", "lw": 1.8}
_HISTOGRAM = {"color": "0.75", "density": True}


def plot_semicircle_fit(ax, eigenvalues, sigma: float = 1.0, bins: int = 50):
    """Plot a histogram of GOE eigenvalues against the semicircle density of radius 2 sigma."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    edge = 2.0 * sigma
    span = max(np.max(np.abs(eigenvalues)), edge) * 1.05
    ax.hist(eigenvalues, bins=bins, range=(-span, span), label=f"eigenvalues, N = {eigenvalues.size}",
            **_HISTOGRAM)
    grid = np.linspace(-span, span, 600)
    ax.plot(grid, semicircle_density(grid, sigma), label="semicircle", **_THEORY)
    for side in (-edge, edge):
        ax.axvline(side, color="tab:red", ls=":", lw=1.2)
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(f"GOE, σ = {sigma:g}: edges at ±2σ")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_marchenko_pastur_fit(ax, eigenvalues, c: float, bins: int = 50, legend: bool = True,
                              short_title: bool = False):
    """Plot a histogram of Wishart eigenvalues against the Marchenko-Pastur density for ratio c."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    lower, upper = marchenko_pastur_edges(c)
    right = max(np.max(eigenvalues), upper) * 1.05
    ax.hist(eigenvalues, bins=bins, range=(0.0, right), label=f"eigenvalues, N = {eigenvalues.size}",
            **_HISTOGRAM)
    grid = np.linspace(1e-4, right, 800)
    density = marchenko_pastur_density(grid, c)
    ax.plot(grid, density, label="Marchenko-Pastur", **_THEORY)
    for edge in (lower, upper):
        ax.axvline(edge, color="tab:red", ls=":", lw=1.2)
    # At c = 1 the density diverges at 0: cap the axis so that the histogram stays readable.
    histogram_top = np.max(np.histogram(eigenvalues, bins=bins, range=(0.0, right), density=True)[0])
    ax.set_ylim(0.0, 1.15 * max(histogram_top, np.max(density[grid > 0.05 * upper])))
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(f"c = {c:.2g}" if short_title else f"Wishart, c = N/n = {c:.2g}: edges (1 ± √c)²")
    if legend:
        ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_edge_fluctuations(ax, sizes, top_eigenvalues, sigma: float = 1.0):
    """Plot the standard deviation of the largest GOE eigenvalue against N, with the N^(-2/3) law.

    Parameters
    ----------
    sizes : array_like, shape (m,)
        Matrix sizes N.
    top_eigenvalues : sequence of m arrays
        Largest eigenvalues of independent matrices at each size.
    """
    sizes = np.asarray(sizes, dtype=float)
    spread = np.array([np.std(tops, ddof=1) for tops in top_eigenvalues])
    distance = np.array([2.0 * sigma - np.mean(tops) for tops in top_eigenvalues])
    ax.loglog(sizes, spread, "o", color="tab:blue", label="std of the largest eigenvalue")
    ax.loglog(sizes, np.abs(distance), "s", color="tab:orange", label="|2σ − mean|")
    # Each reference line has a fixed slope and the intercept that fits the spreads best in
    # log-log, so neither is pinned to the noisiest (smallest) size.
    references = ((2.0 / 3.0, "--", "k", "slope −2/3"), (0.5, ":", "0.5", "slope −1/2 (for contrast)"))
    for exponent, style, color, label in references:
        intercept = np.mean(np.log(spread) + exponent * np.log(sizes))
        ax.loglog(sizes, np.exp(intercept) * sizes ** (-exponent), style, color=color, label=label)
    ax.set_xticks(sizes, [f"{size:g}" for size in sizes])
    low, high = ax.get_ylim()
    ticks = [tick for tick in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5) if low <= tick <= high]
    ax.set_yticks(ticks, [f"{tick:g}" for tick in ticks])
    ax.minorticks_off()
    ax.set_xlabel("N")
    ax.set_ylabel("size of the edge fluctuations")
    ax.set_title("The top eigenvalue settles at 2σ like N^(−2/3)")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_edge_collapse(ax, sizes, top_eigenvalues, sigma: float = 1.0):
    """Plot the empirical CDFs of (lambda_max - 2 sigma) N^(2/3) / sigma, one curve per N.

    If the fluctuations live on the scale N^(-2/3), the curves coincide (Tracy-Widom law).
    """
    colors = mpl.colormaps["viridis"](np.linspace(0.0, 0.85, len(sizes)))
    for size, tops, color in zip(sizes, top_eigenvalues, colors):
        scaled = np.sort((np.asarray(tops) - 2.0 * sigma) * size ** (2.0 / 3.0) / sigma)
        levels = np.arange(1, scaled.size + 1) / scaled.size
        ax.step(scaled, levels, where="post", color=color, lw=1.6, label=f"N = {size}")
    # Mean of the GOE (beta = 1) Tracy-Widom law, about -1.21.
    ax.axvline(-1.2065, color="k", ls="--", lw=1.2, label="Tracy-Widom mean −1.21")
    ax.set_xlim(-5.0, 2.5)
    ax.set_xlabel("(λ_max − 2σ) N^(2/3) / σ")
    ax.set_ylabel("empirical CDF")
    ax.set_title("Rescaled by N^(2/3), the fluctuations collapse")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_stieltjes_smoothing(ax, sigma: float = 1.0, etas=(0.5, 0.1, 0.01)):
    """Plot -Im G(x + i eta) / pi of the semicircle for several eta, a Cauchy-smoothed density."""
    grid = np.linspace(-3.0 * sigma, 3.0 * sigma, 800)
    ax.plot(grid, semicircle_density(grid, sigma), color="k", lw=3.0, alpha=0.35, label="semicircle ρ(x)")
    for eta, style in zip(etas, ("-", "--", ":")):
        smoothed = density_from_stieltjes(lambda z: semicircle_stieltjes(z, sigma), grid, eta)
        ax.plot(grid, smoothed, style, color="tab:blue", label=f"−Im G(x + iη)/π, η = {eta:g}")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title("Reading the density off G")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_empirical_stieltjes(ax, eigenvalues, sigma: float = 1.0, etas=(0.002, 0.05)):
    """Plot the density read off the empirical G_N of one sample, for a small and a moderate eta."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    grid = np.linspace(-2.6 * sigma, 2.6 * sigma, 1500)
    ax.plot(grid, semicircle_density(grid, sigma), color="k", lw=3.0, alpha=0.35, zorder=3,
            label="semicircle ρ(x)")
    for eta, color, width, alpha in zip(etas, ("tab:orange", "tab:blue"), (0.6, 1.8), (0.6, 1.0)):
        estimate = density_from_stieltjes(lambda z: empirical_stieltjes(eigenvalues, z), grid, eta)
        ax.plot(grid, estimate, color=color, lw=width, alpha=alpha, zorder=2 + (eta == etas[-1]),
                label=f"from G_N, η = {eta:g}")
    spacing = 4.0 * sigma / eigenvalues.size
    ax.set_ylim(0.0, 2.2 * semicircle_density(0.0, sigma))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.set_title(f"One sample, N = {eigenvalues.size}: need η ≫ spacing ≈ {spacing:.3f}")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_spiked_spectrum(ax, eigenvalues, *, model: str, strength: float, sigma: float = 1.0,
                         c: float = 0.5, bins: int = 50):
    """Plot a histogram of a spiked matrix's spectrum with its bulk law, edge and predicted outlier.

    Parameters
    ----------
    eigenvalues : array_like, shape (N,)
    model : {"wigner", "covariance"}
        Spiked Wigner (strength theta, noise sigma) or spiked covariance (strength ell,
        ratio c).
    strength : float
        theta or ell.
    """
    eigenvalues = np.sort(np.asarray(eigenvalues, dtype=float))
    if model == "wigner":
        left, edge = -2.0 * sigma, 2.0 * sigma
        predicted = float(theory.outlier_positions(strength, sigma))
        above = strength > sigma
        density = lambda x: semicircle_density(x, sigma)  # noqa: E731
        title = f"Spiked Wigner, θ/σ = {strength / sigma:.2f}"
    else:
        left, edge = 0.0, marchenko_pastur_edges(c)[1]
        predicted = float(covariance_outlier(strength, c))
        above = strength > np.sqrt(c)
        density = lambda x: marchenko_pastur_density(x, c)  # noqa: E731
        title = f"Spiked covariance, ℓ/√c = {strength / np.sqrt(c):.2f}, c = {c:.2g}"
    width = edge - left
    low, right = left - 0.05 * width, max(eigenvalues[-1], predicted, edge) + 0.1 * width
    counts, _, _ = ax.hist(eigenvalues, bins=bins, range=(low, right), label="eigenvalues", **_HISTOGRAM)
    grid = np.linspace(low, right, 800)
    values = density(grid)
    ax.plot(grid, values, label="bulk law", **_THEORY)
    ax.axvline(edge, color="tab:red", ls=":", lw=1.2, label="bulk edge")
    # The MP density diverges at 0 when c = 1: scale the axis on the interior of the bulk.
    interior_peak = np.max(values[(grid > left + 0.05 * width) & (grid < edge)])
    height = 0.25 * interior_peak
    ax.plot([eigenvalues[-1]], [0.5 * height], "o", color="tab:blue", ms=8, label="largest eigenvalue")
    ax.plot([predicted], [height], "v", color="tab:red" if above else "0.5", ms=9,
            label="BBP outlier" if above else "below threshold: edge")
    ax.set_ylim(0.0, 1.3 * max(interior_peak, min(np.max(counts), 2.0 * interior_peak)))
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_bbp_sweep(axes, ratios, tops, overlaps, *, model: str, sigma: float = 1.0, c: float = 0.5,
                   current=None):
    """Plot the top eigenvalue and squared overlap against strength / threshold, simulated and BBP.

    Parameters
    ----------
    axes : pair of matplotlib.axes.Axes
        Left: top eigenvalue; right: squared overlap.
    ratios : array_like, shape (m,)
        Strength divided by its threshold: theta / sigma or ell / sqrt(c).
    tops, overlaps : array_like, shape (r, m) or (m,)
        Simulated values, one row per independent draw.
    model : {"wigner", "covariance"}
    current : float, optional
        Ratio marked with a vertical line.
    """
    ratios = np.asarray(ratios, dtype=float)
    tops = np.atleast_2d(tops)
    overlaps = np.atleast_2d(overlaps)
    fine = np.linspace(min(ratios.min(), 0.2), ratios.max(), 400)
    if model == "wigner":
        strength = fine * sigma
        top_theory = theory.outlier_positions(strength, sigma)
        overlap_theory = theory.predicted_overlaps(strength, sigma)
        top_label, overlap_label, axis = "θ + σ²/θ, or 2σ", "1 − σ²/θ²", "θ / σ"
    else:
        strength = fine * np.sqrt(c)
        top_theory = covariance_outlier(strength, c)
        overlap_theory = covariance_overlap(strength, c)
        top_label, overlap_label = "(1+ℓ)(1+c/ℓ), or (1+√c)²", "(1 − c/ℓ²)/(1 + c/ℓ)"
        axis = "ℓ / √c"
    top_ax, overlap_ax = axes
    for ax, simulated, curve, label in ((top_ax, tops, top_theory, top_label),
                                        (overlap_ax, overlaps, overlap_theory, overlap_label)):
        mean = simulated.mean(axis=0)
        if simulated.shape[0] > 1:
            ax.errorbar(ratios, mean, yerr=simulated.std(axis=0, ddof=1), fmt="o", ms=4,
                        color="tab:blue", label=f"simulation ({simulated.shape[0]} draws)")
        else:
            ax.plot(ratios, mean, "o", ms=4, color="tab:blue", label="simulation")
        ax.plot(fine, curve, label=f"theory: {label}", **_THEORY)
        ax.axvline(1.0, color="tab:red", ls=":", lw=1.2)
        if current is not None:
            ax.axvline(current, color="tab:green", lw=1.5)
        ax.set_xlabel(f"strength / threshold, {axis}")
        ax.legend(loc="upper left", fontsize="small")
    top_ax.set_ylabel("top eigenvalue")
    overlap_ax.set_ylabel("squared overlap (u·v)²")
    overlap_ax.set_ylim(-0.03, 1.03)
    name = "spiked Wigner" if model == "wigner" else f"spiked covariance, c = {c:.2g}"
    top_ax.set_title(f"Top eigenvalue, {name}")
    overlap_ax.set_title(f"Eigenvector overlap, {name}")
    return axes


def plot_finite_size_window(axes, ratios, overlaps_by_size, sigma: float = 1.0):
    """Plot the mean squared overlap near threshold for several N, raw and in finite-size scaling form.

    Near theta = sigma the squared overlap behaves like N^(-1/3) F(x) with
    x = (theta - sigma) / (sigma N^(-1/3)); above the window F(x) ~ 2x, the expansion of
    the BBP limit 1 - sigma^2 / theta^2, and below it F(x) -> 0. The right panel plots
    N^(1/3) times the overlap against x, where the curves of all N fall on one.

    Parameters
    ----------
    axes : pair of matplotlib.axes.Axes
        Left: against theta / sigma; right: rescaled.
    ratios : array_like, shape (m,)
        theta / sigma.
    overlaps_by_size : dict of int to ndarray of shape (r, m)
        Simulated squared overlaps for each N, one row per draw.
    """
    ratios = np.asarray(ratios, dtype=float)
    raw_ax, scaled_ax = axes
    fine = np.linspace(ratios.min(), ratios.max(), 400)
    limit = theory.predicted_overlaps(fine * sigma, sigma)
    colors = mpl.colormaps["viridis"](np.linspace(0.0, 0.85, len(overlaps_by_size)))
    for (size, overlaps), color in zip(sorted(overlaps_by_size.items()), colors):
        mean = np.atleast_2d(overlaps).mean(axis=0)
        label = f"N = {size} ({np.atleast_2d(overlaps).shape[0]} draws)"
        raw_ax.plot(ratios, mean, "o-", ms=3, color=color, label=label)
        window = critical_window(sigma, size) / sigma
        scaled_ax.plot((ratios - 1.0) / window, mean / window, "o-", ms=3, color=color, label=label)
        scaled_ax.plot((fine - 1.0) / window, limit / window, "--", color=color, lw=1.0)
    raw_ax.plot(fine, limit, label="BBP limit", **_THEORY)
    scaled_ax.plot([], [], "--", color="0.4", lw=1.0, label="BBP limit at each N")
    raw_ax.axvline(1.0, color="tab:red", ls=":", lw=1.2)
    scaled_ax.axvline(0.0, color="tab:red", ls=":", lw=1.2)
    scaled_ax.set_xlim(-4.0, 4.0)
    scaled_ax.set_ylim(-0.2, 6.0)
    raw_ax.set_xlabel("θ / σ")
    raw_ax.set_ylabel("mean squared overlap")
    scaled_ax.set_xlabel("x = (θ − σ) / (σ N^(−1/3))")
    scaled_ax.set_ylabel("N^(1/3) × mean squared overlap")
    for ax in axes:
        ax.legend(loc="upper left", fontsize="small")
    raw_ax.set_title("Finite N smooths the transition")
    scaled_ax.set_title("…over a window of width σ N^(−1/3)")
    return axes
