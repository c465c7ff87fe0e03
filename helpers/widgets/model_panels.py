"""Panels of the model notebooks: Gaussianity of latent features, weight profile, true versus twin."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .._validation import InvalidParameterError, check_real
from ..gaussianity import estimate_mean, latent_kurtosis_curve
from ..model import HierarchicalModel
from ..model_plots import (
    DIRECTION_KINDS,
    latent_histogram_data,
    plot_kurtosis_curve,
    plot_latent_histogram,
    plot_target_histograms,
    plot_target_variance,
    plot_weight_profile,
    target_variance_data,
)
from ..theory import power_law_weights
from .base import FigurePanel, exponent_slider

__all__ = ["LatentGaussianityPanel", "WeightProfilePanel", "TrueVersusEquivalentPanel"]

#: Input dimensions offered by the Gaussianity panel (roughly log-spaced).
LATENT_DIMS = (4, 6, 10, 20, 40, 80)
#: Input dimensions of the true-versus-twin panel.
TARGET_DIMS = (10, 14, 20, 28, 40, 57, 80)


def _selection_slider(values, value, description: str) -> widgets.SelectionSlider:
    """Create a slider over ``values``; raise InvalidParameterError if ``value`` is not one of them."""
    if value not in values:
        raise InvalidParameterError(
            f"{description}={value!r} is invalid: the panel offers {description} in {list(values)}."
        )
    return widgets.SelectionSlider(options=[(str(v), v) for v in values], value=value,
                                   description=description, continuous_update=False,
                                   layout=widgets.Layout(width="360px"))


class LatentGaussianityPanel(FigurePanel):
    """Histogram of one latent feature against N(0, 1), and its excess kurtosis against d.

    Controls: the input dimension d and the kind of direction (a random one, or a
    low-rank one that stays non-Gaussian at every d). Draws are cached per (d, kind).

    Parameters
    ----------
    d : int
        Initial dimension, one of :data:`LATENT_DIMS`.
    kind : str
        Initial direction kind, one of :data:`helpers.model_plots.DIRECTION_KINDS`.
    n : int
        Samples per histogram (at least 10000 for the kurtosis error bars).
    seed : int
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, d: int = 10, kind: str = "random", n: int = 20000, seed: int = 0,
                 **panel_options):
        if kind not in DIRECTION_KINDS:
            raise InvalidParameterError(
                f"kind={kind!r} is unknown: choose one of {', '.join(DIRECTION_KINDS)}."
            )
        d_slider = _selection_slider(LATENT_DIMS, d, "d")
        self.n = n
        self.seed = seed
        self.curve = latent_kurtosis_curve(LATENT_DIMS[1:], p=8, n=n, seed=seed)
        self._cache: dict[tuple[int, str], dict] = {}
        controls = {
            "d": d_slider,
            "kind": widgets.ToggleButtons(options=list(DIRECTION_KINDS), value=kind,
                                          description="direction"),
        }
        super().__init__(controls, figsize=(13.0, 4.6), **panel_options)

    def data(self, d: int, kind: str) -> dict:
        """Return (and cache) the histogram data for dimension ``d`` and direction ``kind``."""
        key = (int(d), kind)
        if key not in self._cache:
            self._cache[key] = latent_histogram_data(d, kind, self.n, self.seed)
        return self._cache[key]

    def draw(self, figure, *, d: int, kind: str) -> None:
        """Draw the histogram at (d, kind) and the kurtosis curve with that point marked."""
        data = self.data(d, kind)
        histogram_ax, curve_ax = figure.subplots(1, 2)
        plot_latent_histogram(histogram_ax, data)
        plot_kurtosis_curve(curve_ax, self.curve, current=data)
        self.status.value = (f"d = {d}, {kind} direction: excess kurtosis "
                             f"{data['measured'].value:.2f} (Gaussian: 0)")

    def current_data(self) -> dict:
        """Return the data behind the current figure."""
        return self.data(**self.values)


class WeightProfilePanel(FigurePanel):
    """Power-law weights |btilde_k| and the cumulative variance share, for a gamma slider.

    Theory only, so the slider updates while it moves.

    Parameters
    ----------
    p : int
        Number of latent features.
    gamma : float
        Initial exponent.
    seed : int
        Teacher seed, which fixes the signs s_k shown as filled or open markers.
    """

    def __init__(self, p: int = 40, gamma: float = 1.0, seed: int = 0, **panel_options):
        self.p = p
        self.signs = np.sign(HierarchicalModel(D=p + 1, p=p, seed=seed).weights)
        controls = {"gamma": exponent_slider(gamma, 0.0, 2.0, 0.1, "γ", continuous_update=True)}
        super().__init__(controls, figsize=(13.0, 4.4), **panel_options)

    def draw(self, figure, *, gamma: float) -> None:
        """Draw the weights and the cumulative share at exponent ``gamma``."""
        weights_ax, share_ax = figure.subplots(1, 2)
        plot_weight_profile(weights_ax, share_ax, self.p, gamma, self.signs)
        shares = self.current_data(gamma)["shares"]
        self.status.value = (f"γ = {gamma:.2f}: feature 1 carries {shares[0]:.0%} of the variance, "
                             f"feature {self.p} carries {shares[-1]:.2%}")

    def current_data(self, gamma: float | None = None) -> dict:
        """Return the weights and shares behind the figure (for ``gamma``, default the slider's)."""
        gamma = self.values["gamma"] if gamma is None else gamma
        weights = power_law_weights(self.p, gamma)
        return {"gamma": gamma, "weights": weights, "shares": weights**2}


class TrueVersusEquivalentPanel(FigurePanel):
    """The clean target of the true model against its Gaussian-equivalent twin.

    Controls: d and eps (p = round(d^eps)). Left: histograms of both targets for one teacher.
    Right: the exact Var(y) of the true model against d for four teachers at this eps, with a
    Monte Carlo point at the slider values. Results are cached per (d, eps).

    Parameters
    ----------
    d : int
        Initial dimension, one of :data:`TARGET_DIMS`.
    eps : float
        Initial latent width exponent.
    gamma : float
        Power-law exponent of the weights.
    n : int
        Samples per histogram.
    seed : int
        Teacher seed of the histogram (the variance curves use seeds 0 to 3).
    """

    def __init__(self, d: int = 40, eps: float = 0.5, gamma: float = 1.0, n: int = 20000,
                 seed: int = 0, **panel_options):
        eps = check_real(eps, "eps", minimum=0.2, maximum=0.8)
        self.gamma = check_real(gamma, "gamma", minimum=0.0)
        self.n = n
        self.seed = seed
        self._samples: dict[tuple[int, float], dict] = {}
        self._curves: dict[float, dict] = {}
        controls = {
            "d": _selection_slider(TARGET_DIMS, d, "d"),
            "eps": widgets.FloatSlider(value=eps, min=0.2, max=0.8, step=0.1, description="ε",
                                       readout_format=".1f", continuous_update=False,
                                       layout=widgets.Layout(width="360px")),
        }
        super().__init__(controls, figsize=(13.0, 4.6), **panel_options)

    def samples(self, d: int, eps: float) -> dict:
        """Return (and cache) clean targets of the true model and of its twin at (d, eps)."""
        key = (int(d), round(float(eps), 6))
        if key not in self._samples:
            model = HierarchicalModel(d=int(d), eps=float(eps), gamma=self.gamma, mode="true", seed=self.seed)
            true_labels = model.sample(self.n, self.seed + 1).clean_labels
            # The twin's latent features are exactly N(0, I_p), so draw them directly.
            twin_latents = np.random.default_rng(self.seed + 2).standard_normal((self.n, model.n_latent))
            twin_labels = model.target(twin_latents)
            variance = estimate_mean((true_labels - true_labels.mean()) ** 2)
            self._samples[key] = {"d": int(d), "eps": float(eps), "p": model.n_latent,
                                  "true": true_labels, "twin": twin_labels, "variance": variance}
        return self._samples[key]

    def curve(self, eps: float) -> dict:
        """Return (and cache) the exact variances against d at exponent ``eps``."""
        key = round(float(eps), 6)
        if key not in self._curves:
            self._curves[key] = target_variance_data(TARGET_DIMS, eps, self.gamma, seeds=range(4))
        return self._curves[key]

    def draw(self, figure, *, d: int, eps: float) -> None:
        """Draw the histograms at (d, eps) and the variance curves at eps."""
        data = self.samples(d, eps)
        histogram_ax, variance_ax = figure.subplots(1, 2)
        plot_target_histograms(histogram_ax, data["true"], data["twin"], d)
        variance = data["variance"]
        plot_target_variance(variance_ax, self.curve(eps),
                             current=(d, variance.value, variance.standard_error))
        self.status.value = (f"d = {d}, ε = {eps:.1f}: p = {data['p']}, "
                             f"Var(y) true ≈ {variance.value:.2f}, twin = 1")

    def current_data(self) -> dict:
        """Return the data behind the current figure."""
        values = self.values
        return {**self.samples(values["d"], values["eps"]), "curve": self.curve(values["eps"])}

