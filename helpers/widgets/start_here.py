"""The panel of the first notebook: spectrum, sequential recovery and the scaling law together."""

from __future__ import annotations

import io
import math
from collections import OrderedDict

from matplotlib.figure import Figure

from ..experiments import NestedSweep
from ..model import HierarchicalModel
from ..plotting import plot_mse, plot_overlaps, plot_spectrum
from .base import FigurePanel, exponent_slider, log_sample_slider

__all__ = ["default_start_sweep", "StartHerePanel"]

# Fixed margins, as fractions of the figure. Constrained layout drew the same picture, but it
# took about a third of the rendering time of this panel (matplotlib 3.11).
_MARGINS = {"left": 0.045, "right": 0.99, "bottom": 0.12, "top": 0.86, "wspace": 0.2}
#: Rendered PNGs kept per panel, keyed by (n, gamma); each is about 0.2 MB.
PNG_CACHE_SIZE = 64


def default_start_sweep(D: int = 200, p: int = 20, gamma: float = 1.0, seed: int = 0,
                        max_ratio: int = 256) -> NestedSweep:
    """Build the nested sweep of the first notebook: n / D = 1, 2, 4, ..., ``max_ratio``.

    Gaussian-equivalent mode, so the theory curves are exact up to finite-size effects.
    """
    model = HierarchicalModel(D=D, p=p, gamma=gamma, seed=seed)
    ratios = [2**k for k in range(int(math.log2(max_ratio)) + 1)]
    return NestedSweep(model, [ratio * D for ratio in ratios], seed=seed, n_test=4000)


class StartHerePanel(FigurePanel):
    """Sliders for n (log scale) and gamma driving three views of one simulation.

    Left: spectrum of the centred spectral matrix at the chosen n. Middle: per-direction
    overlaps against n. Right: test MSE against n with the theory. Results are cached per
    gamma, so moving n only redraws, and rendered pictures are cached per (n, gamma), so
    returning to a value shows the same PNG at once.

    Parameters
    ----------
    sweep : NestedSweep, optional
        Defaults to :func:`default_start_sweep`.
    n : int, optional
        Initial sample size (one of the sweep sizes).
    gamma : float
        Initial exponent.
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, sweep: NestedSweep | None = None, n: int | None = None, gamma: float = 1.0,
                 **panel_options):
        self.sweep = default_start_sweep() if sweep is None else sweep
        sizes = self.sweep.sizes
        controls = {
            "n": log_sample_slider(sizes, sizes[len(sizes) // 2] if n is None else n, "n"),
            "gamma": exponent_slider(gamma, 0.0, 1.5, 0.1, "γ"),
        }
        self._png_cache: OrderedDict[tuple, bytes] = OrderedDict()
        super().__init__(controls, figsize=(15.0, 4.6), **panel_options)

    def render(self, **values) -> Figure:
        """Draw a new unmanaged figure for ``values`` (defaults: the current controls), fixed margins."""
        figure = super().render(**values)
        # Replace the constrained layout of FigurePanel.render by the fixed margins.
        figure.set_layout_engine("none")
        for axes in figure.axes:
            subplot = axes.get_subplotspec()
            subplot.get_gridspec().update(**_MARGINS)
            # GridSpec.update moves only the axes of pyplot figures, and this one is unmanaged.
            axes.set_position(subplot.get_position(figure))
        return figure

    def render_png(self, **values) -> bytes:
        """Render the figure for ``values`` to PNG bytes, from the cache when drawn before."""
        values = {**self.values, **values}
        key = (int(values["n"]), round(float(values["gamma"]), 10), self.dpi)
        if key in self._png_cache:
            self._png_cache.move_to_end(key)
            if values == self.values:
                # The status describes the controls, as after a drawn refresh.
                self._show_status(values["n"], values["gamma"])
            return self._png_cache[key]
        buffer = io.BytesIO()
        # Fast zlib level: in one measurement the PNG was 4 % larger and took two thirds of
        # the encoding time.
        self.render(**values).savefig(buffer, format="png", dpi=self.dpi,
                                      pil_kwargs={"compress_level": 1})
        self._png_cache[key] = buffer.getvalue()
        if len(self._png_cache) > PNG_CACHE_SIZE:
            self._png_cache.popitem(last=False)
        return self._png_cache[key]

    def _show_status(self, n: int, gamma: float) -> None:
        point = self.sweep.point(n, gamma)
        self.status.value = (
            f"<b>n/D = {n / self.sweep.model.feature_dim:g}</b>: {point.n_recovered} of "
            f"{self.sweep.model.n_latent} directions recovered, test MSE {point.mse:.3f}"
        )

    def draw(self, figure, *, n: int, gamma: float) -> None:
        """Draw the three views for sample size ``n`` and exponent ``gamma``."""
        model = self.sweep.model_at(gamma)
        D, p = model.feature_dim, model.n_latent
        curves = self.sweep.curves(gamma)
        point = self.sweep.point(n, gamma)
        theta = math.sqrt(2.0) * model.weights
        spectrum_ax, overlap_ax, mse_ax = figure.subplots(1, 3)
        plot_spectrum(spectrum_ax, point.spectrum, D=D, n=n, theta=theta, selected=point.eigenvalues)
        plot_overlaps(overlap_ax, curves["n"], curves["overlaps"], D=D, p=p, gamma=gamma, current_n=n)
        plot_mse(mse_ax, curves["n"], curves["mse"], D=D, p=p, gamma=gamma, current_n=n)
        self._show_status(n, gamma)

    def current_data(self) -> dict:
        """Return the arrays behind the current figure (for tests and for readers)."""
        values = self.values
        point = self.sweep.point(values["n"], values["gamma"])
        return {"n": values["n"], "gamma": values["gamma"], "spectrum": point.spectrum,
                "overlaps": point.overlaps, "mse": point.mse,
                "mse_curve": self.sweep.curves(values["gamma"])["mse"]}
