"""Panel of the algorithm notebook: the spectrum at one n and the price of reusing the sample."""

from __future__ import annotations

import math

from .._validation import InvalidParameterError
from ..algorithm_plots import plot_reuse_penalty
from ..experiments import NestedSweep
from ..model import HierarchicalModel
from ..pitfalls import reuse_extra_error
from ..plotting import plot_spectrum
from .base import FigurePanel, exponent_slider, log_sample_slider

__all__ = ["default_reuse_sweeps", "SpectralStepsPanel"]


def default_reuse_sweeps(D: int = 200, p: int = 20, gamma: float = 1.0, seed: int = 0,
                         ratios=(4, 8, 16, 32, 64, 128, 256)) -> dict[str, NestedSweep]:
    """Build two nested sweeps on the same data, one with a split and one with a reused readout.

    Both use the Gaussian-equivalent mode and the full moment readout; their first-layer and
    test samples are identical (same seed), so the two curves differ only in the readout sample.
    """
    model = HierarchicalModel(D=D, p=p, gamma=gamma, seed=seed)
    sizes = [int(ratio * D) for ratio in ratios]
    return {sample: NestedSweep(model, sizes, seed=seed, n_test=4000, sample=sample)
            for sample in ("split", "reuse")}


class SpectralStepsPanel(FigurePanel):
    """Sliders for n (log scale) and gamma: the spectrum at n and split-versus-reuse errors.

    Left: the centred spectral matrix at n with the semicircle, the predicted outliers and
    the p eigenvalues the algorithm keeps. Right: test MSE against n with an independent
    readout sample and with the first-layer sample reused, with the predicted gap. Fits are
    cached per gamma, so moving n only redraws.

    Parameters
    ----------
    sweeps : dict, optional
        ``{"split": NestedSweep, "reuse": NestedSweep}`` on the same data; defaults to
        :func:`default_reuse_sweeps`.
    n : int, optional
        Initial sample size, one of the sweep sizes.
    gamma : float
        Initial exponent.
    """

    def __init__(self, sweeps: dict | None = None, n: int | None = None, gamma: float = 1.0,
                 **panel_options):
        self.sweeps = default_reuse_sweeps() if sweeps is None else sweeps
        if not isinstance(self.sweeps, dict) or set(self.sweeps) != {"split", "reuse"}:
            raise InvalidParameterError(
                "sweeps is invalid: pass {'split': NestedSweep, 'reuse': NestedSweep}, for example "
                "default_reuse_sweeps()."
            )
        sizes = self.sweeps["split"].sizes
        if n is not None and n not in sizes:
            raise InvalidParameterError(f"n={n!r} is invalid: choose one of the sweep sizes {sizes}.")
        controls = {
            "n": log_sample_slider(sizes, sizes[len(sizes) // 2] if n is None else n, "n"),
            "gamma": exponent_slider(gamma, 0.0, 1.5, 0.1, "γ"),
        }
        super().__init__(controls, figsize=(14.0, 4.8), **panel_options)

    def draw(self, figure, *, n: int, gamma: float) -> None:
        """Draw the spectrum at ``n`` and the two error curves at ``gamma``."""
        split, reuse = self.sweeps["split"], self.sweeps["reuse"]
        model = split.model_at(gamma)
        D, p = model.feature_dim, model.n_latent
        point = split.point(n, gamma)
        split_curve = split.curves(gamma)
        reuse_curve = reuse.curves(gamma)
        spectrum_ax, error_ax = figure.subplots(1, 2)
        plot_spectrum(spectrum_ax, point.spectrum, D=D, n=n, theta=math.sqrt(2.0) * model.weights,
                      selected=point.eigenvalues, bins=30)
        plot_reuse_penalty(error_ax, split_curve["n"], split_curve["mse"], reuse_curve["mse"],
                           D=D, p=p, gamma=gamma, current_n=n)
        prediction = reuse_extra_error(n, D, p, gamma)
        index = split.sizes.index(n)
        self.status.value = (
            f"<b>n/D = {n / D:g}</b>: {prediction['m']} BBP outliers, "
            f"test MSE split {split_curve['mse'][index]:.3f}, reuse {reuse_curve['mse'][index]:.3f} "
            f"(predicted gap {prediction['simple']:.3f})"
        )

    def current_data(self) -> dict:
        """Return the arrays behind the current figure."""
        values = self.values
        split, reuse = self.sweeps["split"], self.sweeps["reuse"]
        return {
            "n": values["n"],
            "gamma": values["gamma"],
            "spectrum": split.point(values["n"], values["gamma"]).spectrum,
            "mse_split": split.curves(values["gamma"])["mse"],
            "mse_reuse": reuse.curves(values["gamma"])["mse"],
        }
