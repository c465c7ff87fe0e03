"""Figures of the scaling law: error against n with its three terms, exponents, gamma scan, window.

Each ``plot_*`` function draws on a given ``matplotlib.axes.Axes`` and returns it, so the
static figures of the notebooks and the widget panels share the code. Sample sizes are
first-layer sizes n (the split readout sample has the same size), shown as n / D.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from . import theory
from ._validation import InvalidParameterError
from .fitting import PowerLawFit, bootstrap_exponent, fit_power_law, local_exponent
from .style import direction_colors
from .sweeps import SweepResult
from .theory_corrections import corrected_mse_prediction

__all__ = ["TERM_STYLES", "theory_curves", "plot_mse_terms", "plot_mse_by_gamma", "exponent_table",
           "plot_exponents",
           "plot_gamma_scan", "plot_window_length", "plot_window_position", "unlearned_tail"]

#: Line style of each term of the prediction.
TERM_STYLES = {
    "tail": {"color": "tab:green", "ls": ":", "label": r"tail $\sum_{k>m}\tilde b_k^2$"},
    "alignment": {"color": "tab:purple", "ls": ":",
                  "label": r"alignment $\sum_{k\leq m}\tilde b_k^2(1 - c_k^4)$"},
    "readout": {"color": "tab:brown", "ls": ":", "label": "readout noise"},
}


def theory_curves(n, D: int, p: int, gamma: float, readout: str = "full") -> dict[str, np.ndarray]:
    """Return the three-term prediction, its first-order correction and the local exponent.

    Cheap enough for a slider moved continuously (about a millisecond for 400 points).

    Returns
    -------
    dict
        ``"n"``, ``"tail"``, ``"alignment"``, ``"readout"``, ``"total"``, ``"corrected"``
        (arrays over n) and ``"local_n"``, ``"local_exponent"`` (over midpoints of n).
    """
    n = np.asarray(n, dtype=float)
    prediction = theory.mse_prediction(n, D, p, gamma, readout=readout)
    corrected = corrected_mse_prediction(n, D, p, gamma, readout=readout)
    midpoints, exponents = local_exponent(n, prediction["total"])
    return {"n": n, **{key: prediction[key] for key in ("tail", "alignment", "readout", "total")},
            "corrected": corrected["total"], "local_n": midpoints, "local_exponent": exponents}


def plot_mse_terms(ax, sizes, mse_by_seed, *, D: int, p: int, gamma: float, readout: str = "full",
                   fit: PowerLawFit | None = None, show_terms: bool = True,
                   show_corrected: bool = True, current_n=None):
    """Plot simulated test MSE against n with the three-term prediction.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    sizes : ndarray, shape (m,)
        First-layer sample sizes.
    mse_by_seed : ndarray, shape (n_seeds, m)
    D, p : int
    gamma : float
    readout : {"full", "diagonal"}
    fit : PowerLawFit, optional
        Fitted power law, drawn over its window.
    show_terms, show_corrected : bool
        Draw the three terms separately; draw the first-order corrected total.
    current_n : float, optional
        Marked with a vertical line.
    """
    sizes = np.asarray(sizes, dtype=float)
    mse_by_seed = np.atleast_2d(mse_by_seed)
    fine = np.geomspace(sizes[0] / 1.5, sizes[-1] * 1.5, 300)
    curves = theory_curves(fine, D, p, gamma, readout)
    mean = mse_by_seed.mean(axis=0)
    spread = np.vstack([mean - mse_by_seed.min(axis=0), mse_by_seed.max(axis=0) - mean])
    ax.errorbar(sizes / D, mean, yerr=spread, fmt="o", color="tab:blue", ms=6, capsize=3,
                label=f"simulation (mean, min–max of {len(mse_by_seed)} seeds)", zorder=3)
    ax.plot(fine / D, curves["total"], color="k", label="prediction: tail + alignment + readout")
    if show_corrected:
        ax.plot(fine / D, curves["corrected"], color="0.4", ls="-.", lw=1.4,
                label=r"with signal-dependent noise ($\kappa_k = 1 + 4\tilde b_k^2$)")
    if show_terms:
        for term, style in TERM_STYLES.items():
            ax.plot(fine / D, curves[term], lw=1.3, **style)
    if fit is not None:
        window = np.geomspace(*fit.window, 50)
        interval = "" if fit.interval is None else \
            f" [{fit.interval[0]:.2f}, {fit.interval[1]:.2f}]"
        ax.plot(window / D, fit.predict(window), "--", color="tab:orange", lw=2,
                label=f"fit: exponent {fit.exponent:.2f}{interval}")
    if current_n is not None:
        ax.axvline(current_n / D, color="tab:red", lw=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _label_sizes(ax, sizes / D)
    ax.set_ylim(max(2e-3, 0.3 * np.min(curves["readout"])), 2.0)
    ax.set_xlabel("n / D")
    ax.set_ylabel("test MSE")
    ax.set_title(f"γ = {gamma:g}, D = {D}, p = {p}")
    ax.legend(loc="lower left", fontsize="x-small")
    return ax


def _label_sizes(ax, ratios) -> None:
    """Label a log axis of n / D at the simulated ratios, in plain numbers."""
    ax.set_xticks(ratios, [f"{ratio:g}" for ratio in ratios])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_mse_by_gamma(ax, result: SweepResult):
    """Plot the simulated MSE (mean and standard deviation over seeds) and the prediction for each gamma.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : SweepResult
        Output of :func:`helpers.sweep_tasks.layerwise_point` on axes ``("gamma", "seed", "n")``.
    """
    fixed = result.grid.fixed
    D, p = fixed["D"], fixed["p"]
    sizes = result.axis("n").astype(float)
    fine = np.geomspace(sizes[0], sizes[-1], 200)
    gammas = result.axis("gamma")
    for index, (gamma, color) in enumerate(zip(gammas, direction_colors(len(gammas) + 1, "plasma"))):
        curve = result["mse"][index]
        ax.errorbar(sizes / D, curve.mean(axis=0), yerr=curve.std(axis=0), fmt="o", color=color,
                    label=f"γ = {gamma:g}")
        ax.plot(fine / D, theory.mse_prediction(fine, D, p, gamma, readout=fixed["readout"])["total"],
                color=color)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _label_sizes(ax, sizes / D)
    ax.set_xlabel("n / D")
    ax.set_ylabel("test MSE")
    ax.set_title(f"Dots: simulation; lines: prediction (D = {D}, p = {p})")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def exponent_table(result: SweepResult, window=None, *, seed: int = 0) -> dict[float, dict]:
    """Fit the exponent of each gamma of a sweep, with the prediction's exponent on the same window.

    Parameters
    ----------
    result : SweepResult
        Output of :func:`helpers.sweep_tasks.layerwise_point` on axes ``("gamma", "seed", "n")``.
    window : (float, float), optional
        Range of n of the fits; default all sizes.
    seed : int
        Seed of the bootstrap resampling.

    Returns
    -------
    dict
        gamma -> {"fit": PowerLawFit of the simulation (bootstrap over seeds),
        "prediction": PowerLawFit of the three-term prediction at the same n,
        "corrected": PowerLawFit of the corrected prediction,
        "asymptotic": (2 gamma - 1) / (2 gamma) or None for gamma <= 1/2}.
    """
    fixed = result.grid.fixed
    sizes = result.axis("n").astype(float)
    table = {}
    for index, gamma in enumerate(result.axis("gamma")):
        gamma = float(gamma)
        prediction = theory.mse_prediction(sizes, fixed["D"], fixed["p"], gamma, readout=fixed["readout"])
        corrected = corrected_mse_prediction(sizes, fixed["D"], fixed["p"], gamma, readout=fixed["readout"])
        table[gamma] = {
            "fit": bootstrap_exponent(sizes, result["mse"][index], window, seed=seed),
            "prediction": fit_power_law(sizes, prediction["total"], window),
            "corrected": fit_power_law(sizes, corrected["total"], window),
            "asymptotic": theory.scaling_exponent(gamma) if gamma > 0.5 else None,
        }
    return table


def plot_exponents(ax, table: dict):
    """Plot fitted exponents against gamma with the asymptotic (2 gamma - 1) / (2 gamma).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    table : dict
        Output of :func:`exponent_table`.
    """
    gammas = np.array(sorted(table))
    grid = np.linspace(0.55, max(2.0, gammas.max() + 0.2), 200)
    ax.plot(grid, [theory.scaling_exponent(g) for g in grid], color="k",
            label="asymptotic (2γ − 1)/(2γ)")
    ax.plot(grid, [theory.davis_kahan_exponent(g) for g in grid], color="0.6", ls="--",
            label="gap-based bound (2γ − 1)/(2γ + 2)")
    fits = [table[g]["fit"] for g in gammas]
    low = [fit.exponent - fit.interval[0] for fit in fits]
    high = [fit.interval[1] - fit.exponent for fit in fits]
    ax.errorbar(gammas, [fit.exponent for fit in fits], yerr=[low, high], fmt="o", color="tab:blue",
                capsize=4, ms=7, label=f"simulation ({fits[0].level:.0%} bootstrap over seeds)")
    ax.plot(gammas, [table[g]["prediction"].exponent for g in gammas], "s", mfc="none",
            color="k", ms=9, label="three-term prediction, same window")
    ax.plot(gammas, [table[g]["corrected"].exponent for g in gammas], "D", mfc="none",
            color="0.4", ms=7, label="corrected prediction, same window")
    ax.set_xlabel("γ")
    ax.set_ylabel("decay exponent of the test MSE")
    window = fits[0].window
    ax.set_title(f"Fitted exponents, n from {window[0]:,.0f} to {window[1]:,.0f}")
    ax.legend(loc="lower right", fontsize="x-small")
    return ax


def plot_gamma_scan(mse_ax, recovered_ax, result: SweepResult):
    """Plot MSE and the captured share of the latent subspace against n / D for every gamma.

    The subspace overlap is used rather than per-direction overlaps because at gamma = 0
    all spikes are equal, so the eigenvectors are arbitrary rotations inside the spiked
    subspace and no single direction is identifiable.

    Parameters
    ----------
    mse_ax, recovered_ax : matplotlib.axes.Axes
    result : SweepResult
        Output of :func:`helpers.sweep_tasks.layerwise_point` on axes ``("gamma", "seed", "n")``.
    """
    fixed = result.grid.fixed
    p = fixed["p"]
    D = fixed.get("D") or (fixed["d"] * (fixed["d"] + 1) // 2)
    sizes = result.axis("n").astype(float)
    fine = np.geomspace(sizes[0], sizes[-1], 400)
    gammas = result.axis("gamma")
    colors = direction_colors(len(gammas), "plasma")
    mse = result.mean("mse")
    captured = result.mean("subspace_overlap")
    for index, (gamma, color) in enumerate(zip(gammas, colors)):
        prediction = theory.mse_prediction(fine, D, p, gamma, readout=fixed["readout"])
        mse_ax.plot(sizes / D, mse[index], "o", color=color, ms=5)
        mse_ax.plot(fine / D, prediction["total"], color=color, lw=1.4, label=f"γ = {gamma:g}")
        recovered_ax.plot(sizes / D, captured[index], "o", color=color, ms=5)
        # Predicted share of the latent subspace: mean BBP overlap over the p directions.
        theta = theory.spike_strengths(p, gamma)
        share = theory.predicted_overlaps(theta, theory.noise_level(D, fine)[:, None]).mean(axis=1)
        recovered_ax.plot(fine / D, share, color=color, lw=1.4, label=f"γ = {gamma:g}")
    mse_ax.set_xscale("log")
    mse_ax.set_yscale("log")
    mse_ax.set_xlabel("n / D")
    mse_ax.set_ylabel("test MSE")
    mse_ax.set_title(f"Error against n (dots: simulation, lines: theory), p = {p}")
    mse_ax.legend(loc="lower left", fontsize="x-small", ncol=2)
    recovered_ax.axhline(p / D, color="0.5", ls=":", lw=1)
    recovered_ax.text(sizes[0] / D, p / D, "chance level p/D", fontsize="x-small", va="bottom")
    recovered_ax.set_xscale("log")
    recovered_ax.set_ylim(-0.03, 1.03)
    recovered_ax.set_xlabel("n / D")
    recovered_ax.set_ylabel("subspace overlap |AᵀÂ|²_F / p")
    recovered_ax.set_title("γ = 0: all directions at once; larger γ: spread out\n"
                           "(lines: mean BBP overlap)")
    return mse_ax, recovered_ax


def plot_window_length(ax, *, D: int, gamma: float, latent_counts=(10, 40, 160, 640),
                       readout: str = "diagonal"):
    """Plot the local exponent of the prediction against n for several p at fixed D.

    The exponent approaches (2 gamma - 1) / (2 gamma) between the first threshold
    n_1 = D Z_p / 2 and the last, n_p = n_1 p^(2 gamma), a window of 2 gamma log10(p)
    decades; before it the error is flat, after it the alignment and readout terms fall
    like 1/n. The local exponent is measured over factors of two in n, which averages
    the small steps that each threshold adds.
    """
    if max(latent_counts) > D:
        raise InvalidParameterError(
            f"latent_counts={latent_counts} is invalid for D={D}: every p must be at most D."
        )
    colors = direction_colors(len(latent_counts), "viridis")
    for level, (color, p) in enumerate(zip(colors, latent_counts)):
        thresholds = theory.threshold_sample_sizes(D, p, gamma)
        sizes = thresholds[0] / 4 * 2.0 ** np.arange(0, np.log2(32 * thresholds[-1] / thresholds[0]), 0.25)
        prediction = theory.mse_prediction(sizes, D, p, gamma, readout=readout)["total"]
        coarse = sizes[::4]
        midpoints, exponents = local_exponent(coarse, prediction[::4])
        ax.plot(midpoints / D, exponents, "-", color=color,
                label=f"p = {p}: {2 * gamma * np.log10(p):.1f} decades")
        ax.plot([thresholds[0] / D, thresholds[-1] / D], [-0.1 - 0.07 * level] * 2, "|-",
                color=color, lw=2, ms=8)
    if gamma > 0.5:
        ax.axhline(theory.scaling_exponent(gamma), color="k", ls="--", lw=1.2,
                   label="(2γ − 1)/(2γ)")
    ax.set_xscale("log")
    # The bars live in a band below 0 that is not part of the exponent scale: no ticks there,
    # a separating line and a label of their own.
    ax.set_ylim(-0.1 - 0.07 * len(latent_counts), 1.3)
    ax.set_yticks(np.arange(0.0, 1.3, 0.25))
    ax.axhline(-0.05, color="0.6", lw=0.8)
    ax.text(0.99, -0.07, "threshold windows n_1 … n_p", transform=ax.get_yaxis_transform(),
            ha="right", va="top", fontsize="x-small", color="0.3")
    ax.set_xlabel("n / D")
    ax.set_ylabel("local exponent −d log MSE / d log n")
    ax.set_title(f"The power-law window grows with p (γ = {gamma:g}, {readout} readout)\n"
                 "bars: from the first to the last threshold")
    ax.legend(loc="upper left", fontsize="x-small")
    return ax


def plot_window_position(ax, *, p: int, gamma: float, dimensions=(100, 400, 1600),
                         readout: str = "diagonal"):
    """Plot the predicted MSE against n for several D at fixed p: D moves the window, not its length.

    The first threshold n_1 = D Z_p / 2 grows like D (like d^q on the alpha axis), so the
    curves are translates of each other on a log axis of n.
    """
    colors = direction_colors(len(dimensions), "plasma")
    for color, D in zip(colors, dimensions):
        if p > D:
            raise InvalidParameterError(f"p={p} is invalid for D={D}: p must be at most D.")
        thresholds = theory.threshold_sample_sizes(D, p, gamma)
        sizes = np.geomspace(thresholds[0], thresholds[-1] * 32, 400)
        ax.plot(sizes, theory.mse_prediction(sizes, D, p, gamma, readout=readout)["total"],
                color=color, label=f"D = {D}")
        ax.axvline(thresholds[0], color=color, lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-3, 1.5)
    ax.set_xlabel("n")
    ax.set_ylabel("predicted test MSE")
    ax.set_title(f"D sets where the window starts (p = {p}, γ = {gamma:g})\n"
                 "dotted: first threshold n_1 = D Z_p / 2")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def unlearned_tail(m: int, p: int, gamma: float) -> float:
    """Return the tail error sum_{k > m} btilde_k^2 left when the first m of p directions are learned.

    Reference for the tail exercise of the scaling-law notebook; btilde is
    ``theory.power_law_weights(p, gamma)``, normalised to unit sum of squares.
    """
    m = int(m)
    if not 0 <= m <= p:
        raise InvalidParameterError(f"m={m} is invalid: the number of learned directions must lie in [0, p={p}].")
    return float(np.sum(theory.power_law_weights(p, gamma)[m:] ** 2))
