"""Panels of notebooks 07-09: sequential recovery, the scaling law, and shallow baselines.

The recovery and baseline panels only redraw shipped results (no simulation), and the
scaling-law panel draws closed-form theory, so every control of the scaling panel updates
while it is dragged. Each panel has ``current_data()``, which returns the arrays behind
the figure, for tests and for readers.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from .. import theory
from .._validation import InvalidParameterError, check_positive_int, check_real
from ..baseline_figures import BASELINE_SETTINGS, baseline_curves, plot_baseline_bars, plot_baseline_curves
from ..plotting import plot_overlaps, plot_spectrum
from ..recovery_figures import plot_staircase
from ..scaling_figures import plot_mse_terms, theory_curves
from ..shipped import SHIPPED_SWEEPS, load_shipped
from ..sweep_tasks import build_model
from .base import FigurePanel, exponent_slider, log_sample_slider

__all__ = ["SequentialRecoveryPanel", "ScalingLawPanel", "BaselinePanel"]


def _check_choice_value(value, options, name: str):
    if value not in options:
        raise InvalidParameterError(f"{name}={value!r} is not available; choose one of {list(options)}.")
    return value


class SequentialRecoveryPanel(FigurePanel):
    """Spectrum, per-direction overlaps and the staircase of one shipped recovery sweep.

    Parameters
    ----------
    n : int, optional
        Initial first-layer sample size, one of the sweep's sizes (default n/D = 64).
    seed : int
        Initial seed, one of the sweep's seeds.
    result : SweepResult, optional
        Output of :func:`helpers.sweep_tasks.recovery_path` with ``keep_spectra=True``;
        default: the shipped ``recovery`` sweep.
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, n: int | None = None, seed: int = 0, result=None, **panel_options):
        self.result = load_shipped("recovery") if result is None else result
        self.fixed = self.result.grid.fixed
        self.sizes = [int(size) for size in self.result["n"][0]]
        seeds = list(self.result.axis("seed"))
        n = self.sizes[12] if n is None else n
        _check_choice_value(n, self.sizes, "n")
        _check_choice_value(seed, seeds, "seed")
        controls = {
            "n": log_sample_slider(self.sizes, n, "n"),
            "seed": widgets.Dropdown(options=seeds, value=seed, description="seed",
                                     layout=widgets.Layout(width="160px")),
        }
        super().__init__(controls, figsize=(16.0, 4.8), **panel_options)

    def current_data(self, n: int | None = None, seed: int | None = None) -> dict:
        """Return spectrum, overlaps and counts at (n, seed) (defaults: the controls)."""
        n = self.values["n"] if n is None else n
        seed = self.values["seed"] if seed is None else seed
        index = self.sizes.index(_check_choice_value(n, self.sizes, "n"))
        row = self.result.grid.index("seed", _check_choice_value(seed, list(self.result.axis("seed")), "seed"))
        return {"n": n, "seed": seed, "spectrum": self.result["spectra"][row, index],
                "eigenvalues": self.result["eigenvalues"][row, index],
                "overlaps": self.result["overlaps"][row, index],
                "overlap_curves": self.result["overlaps"][row],
                "n_recovered": int(self.result["n_recovered"][row, index])}

    def draw(self, figure, *, n: int, seed: int) -> None:
        """Draw the spectrum at n, the overlaps of this seed, and the staircase of all seeds."""
        data = self.current_data(n, seed)
        D, p, gamma = self.fixed["D"], self.fixed["p"], self.fixed["gamma"]
        model = build_model(seed=seed, D=D, p=p, gamma=gamma, mode=self.fixed["mode"])
        spectrum_ax, overlap_ax, staircase_ax = figure.subplots(1, 3)
        plot_spectrum(spectrum_ax, data["spectrum"], D=D, n=n, theta=math.sqrt(2.0) * model.weights,
                      selected=data["eigenvalues"])
        plot_overlaps(overlap_ax, self.sizes, data["overlap_curves"], D=D, p=p, gamma=gamma, current_n=n)
        plot_staircase(staircase_ax, self.sizes, self.result["n_recovered"], D=D, p=p, gamma=gamma,
                       current_n=n)
        predicted = int(theory.learned_count(n / 2.0, D, p, gamma))
        self.status.value = (f"<b>n/D = {n / D:g}</b>: {data['n_recovered']} directions with "
                             f"overlap > 1/2 (BBP predicts {predicted})")


class ScalingLawPanel(FigurePanel):
    """Three-term prediction of the test MSE with sliders for n, gamma and p (theory only).

    Simulation points from the shipped ``scaling`` sweep are overlaid when gamma and p
    match it. All controls update while dragged, because a redraw only evaluates closed
    forms (see :meth:`theory_data`).

    Parameters
    ----------
    n : int, optional
        Initial first-layer sample size (default 64 D).
    gamma : float
    p : int
    D : int
    readout : {"full", "diagonal"}
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    LATENT_COUNTS = (5, 10, 20, 40, 80, 160)

    def __init__(self, n: int | None = None, gamma: float = 1.0, p: int = 40, D: int = 400,
                 readout: str = "full", **panel_options):
        self.D = check_positive_int(D, "D")
        self.readout = readout
        self.sizes = [int(round(self.D * 2 ** (k / 4))) for k in range(0, 49)]
        n = self.sizes[24] if n is None else n
        _check_choice_value(n, self.sizes, "n")
        _check_choice_value(p, [value for value in self.LATENT_COUNTS if value <= self.D], "p")
        check_real(gamma, "gamma", minimum=0.0, maximum=1.5)
        self.simulation = load_shipped("scaling")
        n_slider = log_sample_slider(self.sizes, n, "n")
        n_slider.continuous_update = True
        controls = {
            "n": n_slider,
            "gamma": exponent_slider(gamma, 0.0, 1.5, 0.05, "γ", continuous_update=True),
            "p": widgets.SelectionSlider(options=list(self.LATENT_COUNTS), value=p, description="p",
                                         continuous_update=True),
        }
        super().__init__(controls, figsize=(14.0, 4.8), **panel_options)

    def theory_data(self, n: int | None = None, gamma: float | None = None, p: int | None = None) -> dict:
        """Return the theory behind the figure (fast: no simulation)."""
        values = self.values
        n = values["n"] if n is None else n
        gamma = check_real(values["gamma"] if gamma is None else gamma, "gamma", minimum=0.0)
        p = check_positive_int(values["p"] if p is None else p, "p")
        grid = np.asarray(self.sizes, dtype=float)
        curves = theory_curves(np.geomspace(grid[0], grid[-1], 300), self.D, p, gamma, self.readout)
        at_n = theory.mse_prediction(float(n), self.D, p, gamma, readout=self.readout)
        return {"n": n, "gamma": gamma, "p": p, "curves": curves,
                "at_n": {key: float(value) for key, value in at_n.items()},
                "learned": int(theory.learned_count(float(n), self.D, p, gamma))}

    def _simulation_at(self, gamma: float, p: int):
        """Return (sizes, mse_by_seed) of the shipped sweep if it matches gamma, p and D."""
        fixed = self.simulation.grid.fixed
        gammas = [float(value) for value in self.simulation.axis("gamma")]
        matches = [index for index, value in enumerate(gammas) if abs(value - gamma) < 1e-9]
        if not matches or p != fixed["p"] or self.D != fixed["D"] or self.readout != fixed["readout"]:
            return None
        return self.simulation.axis("n").astype(float), self.simulation["mse"][matches[0]]

    def draw(self, figure, *, n: int, gamma: float, p: int) -> None:
        """Draw the prediction and its terms (left) and the local exponent (right)."""
        data = self.theory_data(n, gamma, p)
        curves = data["curves"]
        mse_ax, exponent_ax = figure.subplots(1, 2)

        simulation = self._simulation_at(gamma, p)
        if simulation is not None:
            plot_mse_terms(mse_ax, *simulation, D=self.D, p=p, gamma=gamma, readout=self.readout,
                           current_n=n)
            mse_ax.set_xlim(curves["n"][0] / self.D, curves["n"][-1] / self.D)
        else:
            mse_ax.plot(curves["n"] / self.D, curves["total"], color="k", label="prediction")
            mse_ax.plot(curves["n"] / self.D, curves["corrected"], color="0.4", ls="-.",
                        label="with signal-dependent noise")
            for term, color in (("tail", "tab:green"), ("alignment", "tab:purple"),
                                ("readout", "tab:brown")):
                mse_ax.plot(curves["n"] / self.D, curves[term], ":", color=color, label=term)
            mse_ax.axvline(n / self.D, color="tab:red", lw=1.2)
            mse_ax.set(xscale="log", yscale="log", ylim=(2e-3, 2.0), xlabel="n / D", ylabel="test MSE",
                       title=f"γ = {gamma:g}, D = {self.D}, p = {p} (no shipped simulation)")
            mse_ax.legend(loc="lower left", fontsize="x-small")

        exponent_ax.plot(curves["local_n"] / self.D, curves["local_exponent"], color="k",
                         label="local exponent of the prediction")
        if gamma > 0.5:
            exponent_ax.axhline(theory.scaling_exponent(gamma), color="tab:orange", ls="--",
                                label=f"(2γ − 1)/(2γ) = {theory.scaling_exponent(gamma):.2f}")
        thresholds = theory.threshold_sample_sizes(self.D, p, gamma)
        exponent_ax.axvspan(thresholds[0] / self.D, thresholds[-1] / self.D, color="0.9",
                            label="from first to last threshold")
        exponent_ax.axvline(n / self.D, color="tab:red", lw=1.2)
        exponent_ax.set(xscale="log", ylim=(-0.2, 1.5), xlabel="n / D",
                        ylabel="−d log MSE / d log n", title="Local decay exponent")
        exponent_ax.legend(loc="upper left", fontsize="x-small")

        at_n = data["at_n"]
        self.status.value = (f"<b>n/D = {n / self.D:.3g}</b>: m(n) = {data['learned']} of {p}; "
                             f"tail {at_n['tail']:.3f} + alignment {at_n['alignment']:.3f} + "
                             f"readout {at_n['readout']:.3f} = <b>{at_n['total']:.3f}</b>")

    def current_data(self) -> dict:
        """Return the theory behind the current figure."""
        return self.theory_data()


class BaselinePanel(FigurePanel):
    """Layer-wise method against kernel and random-feature ridge, from the shipped sweeps.

    Parameters
    ----------
    setting : str
        A key of :data:`helpers.baseline_figures.BASELINE_SETTINGS`.
    n_train : int
        Initial number of training samples, one of the shipped sizes (250 to 64 000; kernel
        ridge was run up to 4000).
    shadow_shares : dict, optional
        Setting -> degree-2 share of the target's variance, drawn as a reference level.
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, setting: str = "true_d30", n_train: int = 16000, shadow_shares=None,
                 **panel_options):
        _check_choice_value(setting, BASELINE_SETTINGS, "setting")
        self.sizes = sorted({int(n) for name in ("baselines_true", "layerwise_true_large")
                             for n in SHIPPED_SWEEPS[name].grid.axes["n_train"]})
        _check_choice_value(n_train, self.sizes, "n_train")
        self.shadow_shares = dict(shadow_shares or {})
        self._curves = {}
        controls = {
            "setting": widgets.Dropdown(options=[(title, key) for key, title in BASELINE_SETTINGS.items()],
                                        value=setting, description="setting",
                                        layout=widgets.Layout(width="380px")),
            "n_train": log_sample_slider(self.sizes, n_train, "n"),
        }
        super().__init__(controls, figsize=(14.0, 4.8), **panel_options)

    def curves(self, setting: str) -> dict:
        """Return (and cache) the shipped curves of ``setting``."""
        if setting not in self._curves:
            self._curves[setting] = baseline_curves(setting)
        return self._curves[setting]

    def current_data(self, setting: str | None = None, n_train: int | None = None) -> dict:
        """Return the mean MSE per method at one sample size (defaults: the controls)."""
        setting = self.values["setting"] if setting is None else setting
        n_train = self.values["n_train"] if n_train is None else n_train
        _check_choice_value(n_train, self.sizes, "n_train")
        curves = self.curves(_check_choice_value(setting, BASELINE_SETTINGS, "setting"))
        at_n = {}
        for method, curve in curves["methods"].items():
            index = np.flatnonzero(curve["n_train"] == n_train)
            if index.size:
                at_n[method] = float(curve["mse"][:, index[0]].mean())
        return {"setting": setting, "n_train": n_train, "mse": at_n}

    def draw(self, figure, *, setting: str, n_train: int) -> None:
        """Draw all curves of the setting (left) and the methods at ``n_train`` (right)."""
        curves = self.curves(setting)
        curve_ax, bar_ax = figure.subplots(1, 2, width_ratios=[3, 2])
        plot_baseline_curves(curve_ax, curves, shadow_share=self.shadow_shares.get(setting),
                             current_n=n_train)
        plot_baseline_bars(bar_ax, curves, n_train)
        data = self.current_data(setting, n_train)["mse"]
        shallow = [value for method, value in data.items() if method != "layerwise"]
        parts = [f"layer-wise {data['layerwise']:.2f}"] if "layerwise" in data else []
        if shallow:
            parts.append(f"best shallow method {min(shallow):.2f}")
        self.status.value = f"<b>{n_train:,} samples</b>: " + (", ".join(parts) or "no simulation")
