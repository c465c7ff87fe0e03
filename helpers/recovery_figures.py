"""Figures of sequential recovery: the 1/n approach of each overlap, the staircase, finite size.

Each ``plot_*`` function draws on a given ``matplotlib.axes.Axes`` and returns it, so the
static figures of the notebook and its widget panel share the code. Overlaps are squared
cosines; the BBP prediction for direction k is 1 - n_k / n above n_k = D / theta_k^2.
"""

from __future__ import annotations

import numpy as np

from . import theory
from ._validation import InvalidParameterError
from .style import direction_colors
from .sweeps import SweepResult
from .theory_corrections import signal_noise_factors

__all__ = ["plot_overlap_deficit", "predicted_staircase", "plot_staircase",
           "finite_size_curves", "plot_finite_size"]


def plot_overlap_deficit(ax, sizes, overlaps, *, D: int, p: int, gamma: float, directions=6,
                         corrected: bool = True):
    """Plot 1 - overlap against n on log-log axes with the BBP prediction n_k / n.

    With ``corrected`` the first-order prediction kappa_k n_k / n of
    :mod:`helpers.theory_corrections` is drawn too (dotted), where the noise along a
    strong direction is larger than the GOE model assumes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : ndarray, shape (m,)
        First-layer sample sizes.
    overlaps : ndarray, shape (m, p)
        Squared overlaps (for example averaged over seeds), strongest direction first.
    D, p : int
    gamma : float
    directions : int
        Number of directions drawn, the strongest ones.
    """
    sizes = np.asarray(sizes, dtype=float)
    drawn = min(int(directions), p)
    colors = direction_colors(drawn)
    thresholds = theory.threshold_sample_sizes(D, p, gamma)
    factors = signal_noise_factors(p, gamma)
    for k in range(drawn):
        deficit = np.clip(1.0 - overlaps[:, k], 1e-4, None)
        ax.plot(sizes / D, deficit, "o", color=colors[k], ms=4, label=f"k = {k + 1}")
        above = np.geomspace(max(thresholds[k], sizes[0]), sizes[-1], 100)
        ax.plot(above / D, np.clip(thresholds[k] / above, None, 1.0), "-", color=colors[k], lw=1.2)
        if corrected:
            ax.plot(above / D, np.clip(factors[k] * thresholds[k] / above, None, 1.0), ":",
                    color=colors[k], lw=1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(5e-3, 1.5)
    ax.set_xlabel("n / D")
    ax.set_ylabel("1 − squared overlap")
    ax.set_title("Above threshold, 1 − overlap falls like 1/n\n"
                 "(solid: BBP n_k/n; dotted: κ_k n_k/n)" if corrected else
                 "Above threshold, 1 − overlap falls like 1/n\n(lines: BBP n_k/n, slope −1)")
    ax.legend(loc="lower left", fontsize="small", ncol=2)
    return ax


def predicted_staircase(sizes, *, D: int, p: int, gamma: float) -> dict[str, np.ndarray]:
    """Return the predicted number of directions against n.

    ``"above_threshold"`` is m(n), the number of k with n > n_k; ``"overlap_above_half"``
    counts the directions whose BBP overlap 1 - n_k / n exceeds 1/2, that is m(n / 2),
    the quantity comparable with the measured count of recovered directions.
    """
    sizes = np.asarray(sizes, dtype=float)
    return {"above_threshold": np.asarray(theory.learned_count(sizes, D, p, gamma)),
            "overlap_above_half": np.asarray(theory.learned_count(sizes / 2.0, D, p, gamma))}


def plot_staircase(ax, sizes, recovered_by_seed, *, D: int, p: int, gamma: float, current_n=None):
    """Plot the measured number of recovered directions against the predicted staircase.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : ndarray, shape (m,)
    recovered_by_seed : ndarray, shape (n_seeds, m)
        Directions with squared overlap above 1/2, one row per seed.
    D, p : int
    gamma : float
    current_n : int, optional
        Marked with a vertical line.
    """
    sizes = np.asarray(sizes, dtype=float)
    recovered_by_seed = np.atleast_2d(recovered_by_seed)
    fine = np.geomspace(sizes[0], sizes[-1], 600)
    predicted = predicted_staircase(fine, D=D, p=p, gamma=gamma)
    for row in recovered_by_seed:
        ax.step(sizes / D, row, where="post", color="tab:blue", alpha=0.3, lw=1)
    ax.plot(sizes / D, recovered_by_seed.mean(axis=0), "o", color="tab:blue", ms=5,
            label=f"measured (overlap > 1/2), {len(recovered_by_seed)} seeds")
    ax.step(fine / D, predicted["overlap_above_half"], where="post", color="k",
            label="predicted: m(n/2), BBP overlap > 1/2")
    ax.step(fine / D, predicted["above_threshold"], where="post", color="0.55", ls="--",
            label="m(n): above BBP threshold")
    if current_n is not None:
        ax.axvline(current_n / D, color="tab:red", lw=1.2)
    ax.set_xscale("log")
    ax.set_xlabel("n / D")
    ax.set_ylabel("number of directions")
    ax.set_title("The recovered rank climbs a staircase")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def finite_size_curves(result: SweepResult, bins_per_octave: int = 2) -> dict[int, dict[str, np.ndarray]]:
    """Average overlaps against the rescaled sample size n / n_k, for each D of a sweep.

    Every direction k at every n gives one point (n / n_k, overlap); the points of all
    directions and seeds are averaged in logarithmic bins. The BBP limit is the same curve
    1 - n_k / n for every k, so the averaged curves are comparable across D.

    Parameters
    ----------
    result : SweepResult
        Output of :func:`helpers.sweep_tasks.recovery_path` on a grid with axes
        ``("D", "seed")`` and fixed ``p`` and ``gamma``.
    bins_per_octave : int

    Returns
    -------
    dict
        D -> {"scaled_n": bin centres, "overlap": mean overlap, "count": points per bin}.
    """
    if result.grid.names != ("D", "seed"):
        raise InvalidParameterError(
            f"the sweep has axes {result.grid.names}: expected ('D', 'seed') as in the "
            "shipped 'finite_size' sweep."
        )
    p, gamma = result.grid.fixed["p"], result.grid.fixed["gamma"]
    curves = {}
    for index, D in enumerate(result.grid.axes["D"]):
        thresholds = theory.threshold_sample_sizes(D, p, gamma)
        scaled = result["n"][index][:, :, None] / thresholds  # (seeds, sizes, p)
        overlaps = result["overlaps"][index]
        edges = 2.0 ** (np.arange(-6 * bins_per_octave, 6 * bins_per_octave + 1) / bins_per_octave)
        bin_index = np.digitize(scaled.ravel(), edges)
        centres, means, counts = [], [], []
        for b in np.unique(bin_index):
            if 0 < b < len(edges):
                members = bin_index == b
                centres.append(np.sqrt(edges[b - 1] * edges[b]))
                means.append(overlaps.ravel()[members].mean())
                counts.append(members.sum())
        curves[int(D)] = {"scaled_n": np.array(centres), "overlap": np.array(means),
                          "count": np.array(counts)}
    return curves


def plot_finite_size(ax, curves: dict, *, min_count: int = 8):
    """Plot the averaged overlap against n / n_k for several D, with the sharp BBP limit.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : dict
        Output of :func:`finite_size_curves`.
    min_count : int
        Bins with fewer points are not drawn.
    """
    colors = direction_colors(len(curves) + 1, "plasma")
    for color, (D, curve) in zip(colors, sorted(curves.items())):
        keep = curve["count"] >= min_count
        ax.plot(curve["scaled_n"][keep], curve["overlap"][keep], "o-", color=color, ms=4,
                label=f"D = {D}")
    grid = np.geomspace(1 / 16, 64, 400)
    ax.plot(grid, np.clip(1.0 - 1.0 / grid, 0.0, None), color="k", lw=2,
            label="BBP limit 1 − n_k/n")
    ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(1 / 16, 64)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("n / n_k (sample size over the threshold of direction k)")
    ax.set_ylabel("squared overlap (mean over k and seeds)")
    ax.set_title("Finite size smooths each threshold")
    ax.legend(loc="upper left", fontsize="small")
    return ax
