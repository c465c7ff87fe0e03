"""Regenerate the gallery of key figures in docs/gallery/ from the helpers' plotting functions.

Figures (one PNG each, about 600 x 420 pixels, well under 150 KB):

* ``spectrum.png``: spectrum of the centred spectral matrix with the semicircle bulk and the
  predicted BBP outliers (Gaussian-equivalent model, D = 200, p = 20, gamma = 1, n/D = 64);
* ``sequential_recovery.png``: squared overlap of each direction against n, with 1 - n_k/n;
* ``scaling_law.png``: test error against n with the three-term prediction and the slope
  -(2 gamma - 1)/(2 gamma);
* ``shallow_vs_hierarchical.png``: the layer-wise method against kernel and random-feature
  ridge regression on the same samples (Gaussian-equivalent model, D = 200, p = 3), read from
  the shipped sweep ``data/baselines_gaussian.npz``. It is left out, with a message, when
  ``helpers.baseline_figures`` or that file is missing.

Everything is seeded, so a rerun redraws the same figures. It takes about half a minute on
two cores; ``--smoke`` draws the same figures at toy sizes in a few seconds (for tests).

Usage::

    python scripts/make_gallery.py                # writes docs/gallery/*.png
    python scripts/make_gallery.py --smoke --out /tmp/gallery
"""

from __future__ import annotations

import argparse
import io
import pathlib
import sys
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from helpers.plotting import plot_mse, plot_overlaps, plot_spectrum
from helpers.style import course_style
from helpers.widgets.start_here import default_start_sweep

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: Size limit of one gallery PNG, in bytes.
MAX_PNG_BYTES = 150 * 1024
FIGSIZE = (6.4, 4.4)
DPI = 100


@dataclass(frozen=True)
class GallerySettings:
    """Sizes of the gallery experiments.

    Attributes
    ----------
    D, p, gamma, seed : int, int, float, int
        Gaussian-equivalent model of the first three figures.
    max_ratio : int
        Largest n / D of the nested sweep (powers of two from 1).
    spectrum_ratio : int
        n / D of the spectrum figure.
    """

    D: int = 200
    p: int = 20
    gamma: float = 1.0
    seed: int = 0
    max_ratio: int = 256
    spectrum_ratio: int = 64


FULL = GallerySettings()
SMOKE = GallerySettings(D=40, p=4, max_ratio=16, spectrum_ratio=8)


def save(figure: Figure, path: pathlib.Path) -> pathlib.Path:
    """Write ``figure`` as a 256-colour PNG without a timestamp, so reruns give equal files.

    A palette keeps a figure with many anti-aliased lines at about a third of its RGBA size.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=256).save(path, optimize=True)
    size = path.stat().st_size
    if size > MAX_PNG_BYTES:
        raise RuntimeError(f"{path} has {size / 1024:.0f} KB, more than the gallery limit of "
                           f"{MAX_PNG_BYTES // 1024} KB: reduce FIGSIZE or DPI.")
    return path


def draw_sweep_figures(settings: GallerySettings, out: pathlib.Path) -> list[pathlib.Path]:
    """Draw the spectrum, the sequential recovery and the scaling law from one nested sweep."""
    sweep = default_start_sweep(D=settings.D, p=settings.p, gamma=settings.gamma, seed=settings.seed,
                                max_ratio=settings.max_ratio)
    model = sweep.model
    curves = sweep.curves()
    n_spectrum = settings.spectrum_ratio * settings.D
    point = sweep.point(n_spectrum)
    common = {"D": settings.D, "p": settings.p, "gamma": settings.gamma}

    paths = []
    with course_style():
        figure = Figure(figsize=FIGSIZE, layout="constrained")
        plot_spectrum(figure.subplots(), point.spectrum, D=settings.D, n=n_spectrum,
                      theta=np.sqrt(2.0) * model.weights, selected=point.eigenvalues)
        paths.append(save(figure, out / "spectrum.png"))

        figure = Figure(figsize=FIGSIZE, layout="constrained")
        plot_overlaps(figure.subplots(), curves["n"], curves["overlaps"], **common)
        paths.append(save(figure, out / "sequential_recovery.png"))

        figure = Figure(figsize=FIGSIZE, layout="constrained")
        plot_mse(figure.subplots(), curves["n"], curves["mse"], **common)
        paths.append(save(figure, out / "scaling_law.png"))
    return paths


def draw_baseline_figure(out: pathlib.Path) -> list[pathlib.Path]:
    """Draw the shipped comparison with shallow baselines; return [] if it is unavailable."""
    try:
        from helpers.baseline_figures import baseline_curves, plot_baseline_curves

        curves = baseline_curves("gaussian")
    except (ImportError, FileNotFoundError) as error:
        print(f"shallow_vs_hierarchical.png left out: {error}")
        return []
    with course_style():
        figure = Figure(figsize=FIGSIZE, layout="constrained")
        plot_baseline_curves(figure.subplots(), curves)
        return [save(figure, out / "shallow_vs_hierarchical.png")]


def make_gallery(out: pathlib.Path, settings: GallerySettings = FULL) -> list[pathlib.Path]:
    """Write every gallery figure into ``out`` and return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    return draw_sweep_figures(settings, out) + draw_baseline_figure(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "gallery",
                        help="output folder (default: docs/gallery/)")
    parser.add_argument("--smoke", action="store_true",
                        help="toy sizes that run in seconds, to test the script")
    args = parser.parse_args(argv)
    for path in make_gallery(args.out, SMOKE if args.smoke else FULL):
        print(f"{path} ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
