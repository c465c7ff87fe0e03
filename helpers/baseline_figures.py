"""Figures comparing the layer-wise method with shallow baselines (kernel and random-feature ridge).

:func:`baseline_curves` gathers the shipped sweeps of one setting into curves per method;
:func:`plot_baseline_curves` and :func:`plot_baseline_bars` draw them on given axes, for the
static figures of the notebook and for its widget panel alike.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import InvalidParameterError
from .shipped import load_shipped

__all__ = ["BASELINE_SETTINGS", "METHOD_LABELS", "METHOD_COLORS", "baseline_curves",
           "plot_baseline_curves", "plot_baseline_bars"]

#: Settings of the shipped comparison, by key: (title, model description).
BASELINE_SETTINGS = {
    "gaussian": "Gaussian-equivalent, D = 200, p = 3",
    "true_d20": "true model, d = 20 (D = 210), p = 3",
    "true_d30": "true model, d = 30 (D = 465), p = 3",
}

METHOD_LABELS = {
    "layerwise": "layer-wise spectral",
    "rbf": "kernel ridge, RBF",
    "polynomial2": "kernel ridge, polynomial degree 2",
    "polynomial4": "kernel ridge, polynomial degree 4",
    "random_features": "random-feature ridge (ReLU, N = 1000)",
    "quadratic_features": "ridge on all degree-1 and 2 features",
}

METHOD_COLORS = {
    "layerwise": "tab:blue",
    "rbf": "tab:orange",
    "polynomial2": "tab:green",
    "polynomial4": "tab:red",
    "random_features": "tab:gray",
    "quadratic_features": "tab:olive",
}


def baseline_curves(setting: str, directory=None) -> dict:
    """Return the shipped MSE curves of one setting.

    Parameters
    ----------
    setting : str
        A key of :data:`BASELINE_SETTINGS`.
    directory : str or pathlib.Path, optional
        Folder of the shipped sweeps (default ``data/``).

    Returns
    -------
    dict
        ``"methods"``: method -> {"n_train": (m,), "mse": (n_seeds, m)}; the true-model
        settings add the layer-wise method at larger n and ridge on explicit degree-2
        features up to the same n;
        ``"d"`` (input dimension or None), ``"D"``, ``"p"``, ``"title"``.
    """
    if setting not in BASELINE_SETTINGS:
        raise InvalidParameterError(
            f"setting={setting!r} is unknown: choose one of {sorted(BASELINE_SETTINGS)}."
        )
    if setting == "gaussian":
        result = load_shipped("baselines_gaussian", directory)
        methods = {}
        for index, method in enumerate(result.axis("method")):
            methods[str(method)] = {"n_train": result.axis("n_train").astype(float),
                                    "mse": result["mse"][index]}
        return {"methods": methods, "d": None, "D": result.grid.fixed["D"],
                "p": result.grid.fixed["p"], "title": BASELINE_SETTINGS[setting]}

    d = int(setting.removeprefix("true_d"))
    result = load_shipped("baselines_true", directory).select(d=d)
    larger = load_shipped("layerwise_true_large", directory).select(d=d)
    quadratic = load_shipped("quadratic_true", directory).select(d=d)
    methods = {}
    for index, method in enumerate(result.axis("method")):
        n_train = result.axis("n_train").astype(float)
        mse = result["mse"][0, index]
        if method == "layerwise":
            n_train = np.concatenate([n_train, larger.axis("n_train").astype(float)])
            mse = np.concatenate([mse, larger["mse"][0]], axis=1)
        methods[str(method)] = {"n_train": n_train, "mse": mse}
    methods["quadratic_features"] = {"n_train": quadratic.axis("n_train").astype(float),
                                     "mse": quadratic["mse"][0]}
    return {"methods": methods, "d": d, "D": d * (d + 1) // 2, "p": result.grid.fixed["p"],
            "title": BASELINE_SETTINGS[setting]}


def plot_baseline_curves(ax, curves: dict, *, shadow_share: float | None = None, current_n=None):
    """Plot test MSE against the number of training samples for every method.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : dict
        Output of :func:`baseline_curves`.
    shadow_share : float, optional
        Share of the target's variance of degree 2 in x; 1 - share is drawn as the level
        a kernel reaches once it has learned that part.
    current_n : float, optional
        Marked with a vertical line.
    """
    for method, curve in curves["methods"].items():
        mse = curve["mse"]
        mean = mse.mean(axis=0)
        spread = np.vstack([mean - mse.min(axis=0), mse.max(axis=0) - mean])
        ax.errorbar(curve["n_train"], mean, yerr=spread, fmt="o-", ms=4, capsize=2,
                    color=METHOD_COLORS[method], label=METHOD_LABELS[method])
    D, d = curves["D"], curves["d"]
    # Reference sample sizes, labelled at the top of the axes.
    if d is None:
        references = [(D * D / 2, ":", " D²/2: degree-2\n features of z")]
    else:
        references = [(d * d, ":", " d²"), (math.comb(d + 3, 4), "--", " degree-4\n features of x")]
    for position, style, text in references:
        ax.axvline(position, color="0.4", ls=style, lw=1)
        ax.text(position, 0.98, text, fontsize="x-small", va="top", transform=ax.get_xaxis_transform())
    if shadow_share is not None:
        ax.axhline(1.0 - shadow_share, color="tab:green", ls="--", lw=1)
        ax.text(0.01, 1.0 - shadow_share, f"1 − degree-2 share ({shadow_share:.2f})",
                fontsize="x-small", va="bottom", color="tab:green", transform=ax.get_yaxis_transform())
    if current_n is not None:
        ax.axvline(current_n, color="tab:red", lw=1.2)
    ax.set_xscale("log")
    ax.set_ylim(0.0, 1.3)
    ax.set_xlabel("training samples (both halves of the layer-wise split)")
    ax.set_ylabel("test MSE (standardised labels)")
    ax.set_title(curves["title"])
    ax.legend(loc="lower left", fontsize="x-small")
    return ax


def plot_baseline_bars(ax, curves: dict, n_train: float):
    """Draw one bar per method: its mean test MSE at ``n_train`` samples (min–max over seeds).

    Methods without a simulation at ``n_train`` are left out and counted in the title.
    """
    names, means, low, high, colors = [], [], [], [], []
    for method, curve in curves["methods"].items():
        matches = np.flatnonzero(curve["n_train"] == n_train)
        if matches.size == 0:
            continue
        values = curve["mse"][:, matches[0]]
        names.append(METHOD_LABELS[method].replace(", ", "\n"))
        means.append(values.mean())
        low.append(values.mean() - values.min())
        high.append(values.max() - values.mean())
        colors.append(METHOD_COLORS[method])
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylim(0.0, 1.3)
    ax.set_ylabel("test MSE")
    if not names:
        ax.set_title(f"At {n_train:,.0f} training samples")
        ax.text(0.5, 0.5, "no simulation at this sample size", ha="center", transform=ax.transAxes)
        return ax
    positions = np.arange(len(names))
    ax.bar(positions, means, yerr=[low, high], color=colors, capsize=4)
    ax.set_xticks(positions, names, fontsize="x-small", rotation=30, ha="right")
    missing = len(curves["methods"]) - len(names)
    note = f" ({missing} method{'s' if missing > 1 else ''} not run at this size)" if missing else ""
    ax.set_title(f"At {n_train:,.0f} training samples{note}", fontsize="small")
    return ax
