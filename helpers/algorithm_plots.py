"""Figures of the algorithm notebook: the reuse penalty, heavy-tailed labels and trace-centring.

Each ``plot_*`` function draws on the given axes and returns them; the panel of
:mod:`helpers.widgets.algorithm_panels` calls the same functions as the static figures.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from ._validation import InvalidParameterError
from .metrics import RECOVERY_THRESHOLD, overlap_matrix
from .pitfalls import CentringComparison, reuse_extra_error

__all__ = ["plot_reuse_penalty", "plot_rank_one_sizes", "selection_threshold", "plot_centring"]


def plot_reuse_penalty(ax, sizes, mse_split, mse_reuse, *, D: int, p: int, gamma: float,
                       readout: str = "full", current_n=None):
    """Plot test MSE against n/D for a split and a reused readout sample, with the prediction.

    The predicted reuse curve is the measured split curve plus :func:`reuse_extra_error`
    (both its simple form 2 (p - m) D / n and its refined form).

    Parameters
    ----------
    sizes : array_like, shape (k,)
        First-layer sample sizes n.
    mse_split, mse_reuse : array_like, shape (k,)
        Measured test errors.
    D, p : int
    gamma : float
    readout : {"full", "diagonal"}
    current_n : int, optional
        Marked with a vertical line.
    """
    sizes = np.asarray(sizes, dtype=float)
    mse_split = np.asarray(mse_split, dtype=float)
    predictions = [reuse_extra_error(int(n), D, p, gamma, readout) for n in sizes]
    simple = mse_split + np.array([prediction["simple"] for prediction in predictions])
    refined = mse_split + np.array([prediction["refined"] for prediction in predictions])
    ax.plot(sizes / D, mse_split, "o-", color="tab:blue", label="split: independent readout sample")
    ax.plot(sizes / D, mse_reuse, "s-", color="tab:red", label="reuse: first-layer sample again")
    ax.plot(sizes / D, simple, "--", color="tab:red", lw=1.2, label="split + 2(p − m)D/n")
    ax.plot(sizes / D, refined, ":", color="k", lw=1.5, label="split + refined prediction")
    if current_n is not None:
        ax.axvline(current_n / D, color="0.4", lw=1)
    ax.axhline(1.0, color="0.5", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes / D)
    ax.set_xticklabels([f"{ratio:g}" for ratio in sizes / D])
    ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
    ax.set_xlabel("n / D")
    ax.set_ylabel("test MSE")
    ax.set_title(f"Reusing the sample: D = {D}, p = {p}, γ = {gamma:g}")
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_rank_one_sizes(ax, sizes_by_label: dict, spike_levels: dict | None = None, bins: int = 60):
    """Histogram (log counts) of the per-sample rank-one sizes |w_mu| |phi_mu|^2 / n.

    Parameters
    ----------
    sizes_by_label : dict of str to ndarray
        Output of :func:`helpers.pitfalls.rank_one_sizes` for each label transform.
    spike_levels : dict of str to float, optional
        Largest selected |eigenvalue| for each transform, drawn as a vertical line in the
        same colour.
    """
    right = max(float(np.max(values)) for values in sizes_by_label.values()) * 1.05
    colors = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
    for (label, values), color in zip(sizes_by_label.items(), colors):
        ax.hist(values, bins=bins, range=(0.0, right), histtype="step", lw=1.8, color=color,
                label=f"T = {label}")
        if spike_levels and label in spike_levels:
            ax.axvline(spike_levels[label], color=color, ls="--", lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("rank-one size of one sample, |w_μ| |φ_μ|² / n")
    ax.set_ylabel("number of samples")
    ax.set_title("One sample's term in C (dashed: top |eigenvalue|)")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def selection_threshold(eigenvalues, p: int) -> float:
    """Return the p-th largest |eigenvalue|: the algorithm keeps the eigenvectors at or above it."""
    magnitudes = np.sort(np.abs(np.asarray(eigenvalues, dtype=float)))[::-1]
    return float(magnitudes[p - 1])


def _matched_eigenvalues(comparison: CentringComparison, true_directions) -> dict[int, float]:
    """Map each direction recovered with centring (0-based k) to its centred eigenvalue."""
    overlaps = overlap_matrix(true_directions, comparison.centred.directions)
    matched = {}
    for k in range(overlaps.shape[0]):
        j = int(np.argmax(overlaps[k]))
        if overlaps[k, j] > RECOVERY_THRESHOLD:
            matched[k] = float(comparison.centred.eigenvalues[j])
    return matched


def plot_centring(axes, comparison: CentringComparison, true_directions, bins: int = 80):
    """Plot the centred and the uncentred spectrum with the |eigenvalue| selection threshold.

    The two spectra differ by the shift tr C / D only, so they share every eigenvector; the
    figure marks the spikes recovered with centring (+ or − by the sign of the teacher
    weight) and shades the band |lambda| < threshold whose eigenvectors are not selected.

    Parameters
    ----------
    axes : pair of matplotlib.axes.Axes
    comparison : CentringComparison
        Computed with ``method="dense"`` so that both spectra are available.
    true_directions : ndarray, shape (D, p)
        Teacher frame, to identify the spikes.
    """
    if comparison.centred.spectrum is None:
        raise InvalidParameterError("comparison has no spectrum: compute it with method='dense'.")
    p = comparison.weights.size
    matched = _matched_eigenvalues(comparison, true_directions)
    hidden = set(comparison.hidden_by_shift.tolist())
    panels = (("centred: C − (tr C/D) I", comparison.centred.spectrum, 0.0),
              ("uncentred: C", comparison.centred.spectrum + comparison.shift, comparison.shift))
    span = max(np.max(np.abs(panels[1][1])), np.max(np.abs(panels[0][1]))) * 1.05
    for ax, (title, spectrum, offset) in zip(axes, panels):
        threshold = selection_threshold(spectrum, p)
        uncentred = offset != 0.0
        ax.axvspan(-threshold, threshold, color="tab:orange", alpha=0.12,
                   label="|λ| below the p-th largest: not kept")
        counts, _, _ = ax.hist(spectrum, bins=bins, range=(-span, span), color="0.6", label="eigenvalues")
        ax.axvline(offset, color="k", lw=1, ls=":")
        for k, value in matched.items():
            position = value + offset
            color = "tab:purple" if comparison.weights[k] < 0 else "tab:green"
            missed = uncentred and k in hidden
            ax.plot(position, 0.6, "v" if missed else "o", color=color, ms=9,
                    mfc="none" if missed else color)
            ax.annotate(f"k={k + 1}" + (" missed" if missed else ""), (position, 0.6),
                        textcoords="offset points", xytext=(0, 8), ha="center", fontsize="small",
                        color=color)
        ax.set_yscale("log")
        # One decade of headroom above the bulk for the legend and the labels.
        ax.set_ylim(0.4, 12.0 * counts.max())
        ax.set_xlim(-span, span)
        ax.set_xlabel("eigenvalue")
        ax.set_ylabel("count")
        ax.set_title(title)
    axes[0].plot([], [], "o", color="tab:green", label="spike with b̃_k > 0")
    axes[0].plot([], [], "o", color="tab:purple", label="spike with b̃_k < 0")
    axes[0].legend(loc="upper left", fontsize="small", ncols=2)
    # The label sits in the empty upper-right corner, with an arrow to the dotted line at the shift.
    axes[1].annotate(f"shift tr C / D = {comparison.shift:+.3f}", (comparison.shift, 3.0 * counts.max()),
                     xytext=(0.97, 0.93), textcoords="axes fraction", ha="right", va="top",
                     fontsize="small", arrowprops={"arrowstyle": "->", "color": "k", "lw": 0.8})
    return axes
