"""Panels of the random-matrix notebooks: bulk laws, spiked models, many spikes.

Every draw is seeded by the panel's seed and the control values, and cached, so returning
a slider to an earlier value shows the same picture. Matrix sizes stay at or below 1600 so
that a redraw takes well under a second on a laptop.
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from .. import theory
from ..bbp_sweeps import covariance_top_eigenpair, wigner_top_eigenpair
from ..many_spike_plots import plot_angle_bounds
from ..many_spikes import simulate_power_law_spikes
from ..plotting import plot_overlaps, plot_spectrum
from ..random_matrices import sample_goe, sample_wishart, serial_blas, symmetric_eigenvalues
from ..random_matrix_plots import (
    plot_marchenko_pastur_fit,
    plot_semicircle_fit,
    plot_spiked_spectrum,
)
from ..spiked import (
    covariance_outlier,
    covariance_overlap,
    sample_spiked_covariance,
    sample_spiked_wigner,
    spike_covariance,
)
from .base import FigurePanel, exponent_slider, log_sample_slider

__all__ = ["BulkLawPanel", "SpikedModelPanel", "ManySpikesPanel"]

#: Matrix sizes offered by the N sliders (log scale).
MATRIX_SIZES = (100, 200, 400, 800, 1600)


def _ratio_slider(value: float, description: str = "c = N/n") -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=0.05, max=1.0, step=0.05, description=description,
                               readout_format=".2f", continuous_update=False,
                               layout=widgets.Layout(width="420px"))


def _draw_seed(seed: int, *values) -> np.random.SeedSequence:
    """Return a seed sequence fixed by the panel seed and the control values it depends on."""
    return np.random.SeedSequence([seed, *[int(round(value * 1000)) for value in values]])


class BulkLawPanel(FigurePanel):
    """Sliders for N and c: the GOE semicircle and the Marchenko-Pastur law against histograms.

    Parameters
    ----------
    N : int
        Initial size, one of :data:`MATRIX_SIZES`.
    c : float
        Initial aspect ratio N / n, in [0.05, 1].
    seed : int
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, N: int = 800, c: float = 0.5, seed: int = 0, **panel_options):
        self.seed = seed
        controls = {"N": log_sample_slider(MATRIX_SIZES, N, "N"), "c": _ratio_slider(c)}
        super().__init__(controls, figsize=(12.0, 4.2), **panel_options)
        self.goe_spectrum = lru_cache(maxsize=16)(self._goe_spectrum)
        self.wishart_spectrum = lru_cache(maxsize=32)(self._wishart_spectrum)

    def _goe_spectrum(self, N: int) -> np.ndarray:
        """Eigenvalues of the GOE matrix of size N (sigma = 1) shown by the panel."""
        return symmetric_eigenvalues(sample_goe(N, 1.0, np.random.default_rng(_draw_seed(self.seed, N))))

    def _wishart_spectrum(self, N: int, c: float) -> np.ndarray:
        """Eigenvalues of the Wishart matrix of size N and ratio c shown by the panel."""
        rng = np.random.default_rng(_draw_seed(self.seed, N, c))
        return symmetric_eigenvalues(sample_wishart(N, c, rng))

    def draw(self, figure, *, N: int, c: float) -> None:
        """Draw both bulk laws for size ``N`` and ratio ``c``."""
        goe_ax, wishart_ax = figure.subplots(1, 2)
        plot_semicircle_fit(goe_ax, self.goe_spectrum(N))
        plot_marchenko_pastur_fit(wishart_ax, self.wishart_spectrum(N, c), c)
        self.status.value = f"N = {N}, n = N/c = {round(N / c)}"

    def current_data(self) -> dict:
        """Return the spectra behind the current figure."""
        N, c = self.values["N"], self.values["c"]
        return {"N": N, "c": c, "goe": self.goe_spectrum(N), "wishart": self.wishart_spectrum(N, c)}


class SpikedModelPanel(FigurePanel):
    """Sliders for spike strength (relative to its threshold), N and c: the BBP transition.

    Left: spectrum of the spiked Wigner matrix theta v v^T + W (sigma = 1, theta = ratio).
    Middle: spectrum of the spiked covariance with ell = ratio * sqrt(c). Right: squared
    overlap against strength / threshold for both models, simulation against theory. The
    sweep on the right averages ``n_draws`` draws of noise and direction, each solved exactly
    for all strengths by the rank-one secular equation; the spectra show the first draw.

    Parameters
    ----------
    ratio : float
        Initial strength / threshold, theta / sigma = ell / sqrt(c).
    N : int
        Initial size, one of :data:`MATRIX_SIZES`.
    c : float
        Initial aspect ratio of the covariance model.
    seed : int
    n_draws : int
        Draws averaged in the overlap sweep. A single draw at N = 400 can lag the theory by
        0.3 in overlap just above the threshold, which a reader would take for a failure of
        the theory rather than a fluctuation.
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    #: Strength / threshold values of the overlap sweep.
    SWEEP = np.linspace(0.2, 3.0, 29)

    def __init__(self, ratio: float = 2.0, N: int = 400, c: float = 0.5, seed: int = 0,
                 n_draws: int = 4, **panel_options):
        self.seed = seed
        self.n_draws = n_draws
        controls = {
            "ratio": widgets.FloatSlider(value=ratio, min=0.2, max=3.0, step=0.1,
                                         description="strength", readout_format=".1f",
                                         continuous_update=False, layout=widgets.Layout(width="420px")),
            "N": log_sample_slider(MATRIX_SIZES[:4], N, "N"),
            "c": _ratio_slider(c),
        }
        super().__init__(controls, figsize=(16.0, 4.4), **panel_options)
        self._wigner_noise = lru_cache(maxsize=32)(self._draw_wigner_noise)
        self._covariance_noise = lru_cache(maxsize=64)(self._draw_covariance_noise)
        self.spectra = lru_cache(maxsize=64)(self._spectra)
        self.sweeps = lru_cache(maxsize=16)(self._sweeps)

    def _draw_wigner_noise(self, N: int, index: int = 0):
        rng = np.random.default_rng(_draw_seed(self.seed, N, index))
        draw = sample_spiked_wigner(N, 1.0, 1.0, rng)
        with serial_blas():
            values, vectors = np.linalg.eigh(draw.noise)
        return draw, values, vectors

    def _draw_covariance_noise(self, N: int, c: float, index: int = 0):
        rng = np.random.default_rng(_draw_seed(self.seed, N, c, index))
        draw = sample_spiked_covariance(N, c, 1.0, rng)
        with serial_blas():
            values, vectors = np.linalg.eigh(draw.white)
        return draw, values, vectors

    def _spectra(self, ratio: float, N: int, c: float) -> tuple[np.ndarray, np.ndarray]:
        """Spectra of the spiked Wigner and spiked covariance matrices at these values."""
        wigner, _, _ = self._wigner_noise(N)
        direction = wigner.directions[:, 0]
        wigner_matrix = wigner.noise + ratio * np.outer(direction, direction)
        covariance, _, _ = self._covariance_noise(N, c)
        ell = ratio * np.sqrt(c)
        covariance_matrix = spike_covariance(covariance.white, covariance.direction, ell)
        return symmetric_eigenvalues(wigner_matrix), symmetric_eigenvalues(covariance_matrix)

    def _sweeps(self, N: int, c: float) -> dict:
        """Exact top eigenvalues and squared overlaps over :attr:`SWEEP`, shape (n_draws, 29) each."""
        results = {"wigner_top": [], "wigner_overlap": [], "covariance_top": [], "covariance_overlap": []}
        for index in range(self.n_draws):
            wigner, values, vectors = self._wigner_noise(N, index)
            top, overlap = wigner_top_eigenpair(values, vectors, wigner.directions[:, 0], self.SWEEP)
            results["wigner_top"].append(top)
            results["wigner_overlap"].append(overlap)

            covariance, values, vectors = self._covariance_noise(N, c, index)
            top, overlap = covariance_top_eigenpair(values, vectors, covariance.direction,
                                                    self.SWEEP * np.sqrt(c))
            results["covariance_top"].append(top)
            results["covariance_overlap"].append(overlap)
        return {key: np.array(value) for key, value in results.items()}

    def draw(self, figure, *, ratio: float, N: int, c: float) -> None:
        """Draw both spectra at ``ratio`` and the overlap sweep with ``ratio`` marked."""
        wigner_ax, covariance_ax, overlap_ax = figure.subplots(1, 3)
        wigner_spectrum, covariance_spectrum = self.spectra(ratio, N, c)
        plot_spiked_spectrum(wigner_ax, wigner_spectrum, model="wigner", strength=ratio)
        plot_spiked_spectrum(covariance_ax, covariance_spectrum, model="covariance",
                             strength=ratio * np.sqrt(c), c=c)

        sweeps = self.sweeps(N, c)
        fine = np.linspace(self.SWEEP[0], self.SWEEP[-1], 400)
        draws = f"mean of {self.n_draws} draws" if self.n_draws > 1 else "one draw"
        overlap_ax.plot(self.SWEEP, sweeps["wigner_overlap"].mean(axis=0), "o", ms=4, color="tab:blue",
                        label=f"spiked Wigner, {draws}")
        overlap_ax.plot(fine, theory.predicted_overlaps(fine, 1.0), color="tab:blue", label="1 − σ²/θ²")
        overlap_ax.plot(self.SWEEP, sweeps["covariance_overlap"].mean(axis=0), "s", ms=4,
                        color="tab:orange", label=f"spiked covariance, {draws}")
        overlap_ax.plot(fine, covariance_overlap(fine * np.sqrt(c), c), color="tab:orange",
                        label="(1 − c/ℓ²)/(1 + c/ℓ)")
        overlap_ax.axvline(1.0, color="tab:red", ls=":", lw=1.2)
        overlap_ax.axvline(ratio, color="tab:green", lw=1.5)
        overlap_ax.set_ylim(-0.03, 1.03)
        overlap_ax.set_xlabel("strength / threshold (θ/σ or ℓ/√c)")
        overlap_ax.set_ylabel("squared overlap (u·v)²")
        overlap_ax.set_title(f"BBP transition of the eigenvector, N = {N}")
        overlap_ax.legend(loc="upper left", fontsize="small")
        predicted = covariance_outlier(ratio * np.sqrt(c), c)
        self.status.value = (f"θ = {ratio:.1f} σ, ℓ = {ratio * np.sqrt(c):.2f}: predicted tops "
                             f"{float(theory.outlier_positions(ratio, 1.0)):.3f} and {float(predicted):.3f}")

    def current_data(self) -> dict:
        """Return the spectra and sweeps behind the current figure."""
        ratio, N, c = self.values["ratio"], self.values["N"], self.values["c"]
        wigner_spectrum, covariance_spectrum = self.spectra(ratio, N, c)
        return {"ratio": ratio, "N": N, "c": c, "wigner_spectrum": wigner_spectrum,
                "covariance_spectrum": covariance_spectrum, **self.sweeps(N, c)}


class ManySpikesPanel(FigurePanel):
    """Sliders for n (log scale) and gamma: p power-law spikes in GOE noise of level sqrt(D / n).

    Left: spectrum at n with the predicted outliers. Middle: per-direction squared overlaps
    against n with the BBP curves 1 - n_k / n. Right: observed angles at n against the BBP
    value and the Davis-Kahan bound. One draw of directions and unit noise serves every n
    and gamma; results are cached per gamma.

    Parameters
    ----------
    D : int
        Matrix size.
    p : int
        Number of spikes.
    n : int, optional
        Initial sample size, one of D * 2^k, k = 0, ..., 10.
    gamma : float
        Initial exponent.
    seed : int
    **panel_options
        Passed to :class:`FigurePanel`.
    """

    def __init__(self, D: int = 400, p: int = 16, n: int | None = None, gamma: float = 1.0,
                 seed: int = 0, **panel_options):
        self.D, self.p, self.seed = D, p, seed
        self.sizes = [D * 2**k for k in range(11)]
        controls = {
            "n": log_sample_slider(self.sizes, self.sizes[6] if n is None else n, "n"),
            "gamma": exponent_slider(gamma, 0.0, 1.5, 0.1, "γ"),
        }
        super().__init__(controls, figsize=(16.0, 4.6), **panel_options)
        self._simulate = lru_cache(maxsize=16)(self._simulate_uncached)

    def _simulate_uncached(self, gamma: float) -> dict:
        return simulate_power_law_spikes(self.D, self.p, gamma, self.sizes, self.seed)

    def results(self, gamma: float) -> dict:
        """Simulation over all slider sample sizes at exponent ``gamma`` (cached)."""
        return self._simulate(round(float(gamma), 6))

    def draw(self, figure, *, n: int, gamma: float) -> None:
        """Draw the spectrum, the overlap curves and the angle bounds at ``n`` and ``gamma``."""
        results = self.results(gamma)
        index = self.sizes.index(n)
        spectrum_ax, overlap_ax, angle_ax = figure.subplots(1, 3)
        plot_spectrum(spectrum_ax, results["spectra"][index], D=self.D, n=n, theta=results["theta"])
        plot_overlaps(overlap_ax, results["n"], results["overlaps"], D=self.D, p=self.p, gamma=gamma,
                      current_n=n)
        plot_angle_bounds(angle_ax, results["theta"], results["sigma"][index],
                          results["sin_angles"][index], results["noise_norm"][index])
        outliers = int(np.sum(results["spectra"][index] > 2.0 * results["sigma"][index]))
        predicted = int(np.sum(results["theta"] > results["sigma"][index]))
        self.status.value = (f"n/D = {n // self.D}: {outliers} eigenvalues beyond 2σ, "
                             f"{predicted} spikes with θ_k > σ")

    def current_data(self) -> dict:
        """Return the arrays behind the current figure."""
        n, gamma = self.values["n"], self.values["gamma"]
        results = self.results(gamma)
        index = self.sizes.index(n)
        return {"n": n, "gamma": gamma, "spectrum": results["spectra"][index],
                "overlaps": results["overlaps"][index], "sin_angles": results["sin_angles"][index],
                "overlap_curves": results["overlaps"]}
