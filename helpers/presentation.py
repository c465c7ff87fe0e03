"""The start-here panel in presentation style, with presets for the beats of a seminar talk.

A talk on sequential feature recovery follows one experiment as n grows at fixed gamma.
First nothing is learned, then the first feature appears, then features switch on one
after another (the power-law regime), and finally all of them are found (saturation). :class:`SeminarPanel` reuses
:class:`helpers.widgets.start_here.StartHerePanel` (same three views, same nested sweep)
and adds toggle buttons that jump to each beat, large fonts and thick lines for a
projector, and static figures of every beat for slides or an HTML export.
"""

from __future__ import annotations

import html
import math
import pathlib
from dataclasses import dataclass

import ipywidgets as widgets
from IPython.display import HTML, display
from matplotlib.figure import Figure

from ._validation import InvalidParameterError, check_positive_int
from .experiments import NestedSweep
from .style import course_style
from .widgets.start_here import StartHerePanel, default_start_sweep

__all__ = ["Beat", "SEMINAR_BEATS", "default_seminar_sweep", "SeminarPanel"]


@dataclass(frozen=True)
class Beat:
    """One preset of the talk: a sample size, an exponent and a caption.

    Attributes
    ----------
    key : str
        Short identifier, for example ``"saturation"``.
    label : str
        Text of the toggle button.
    ratio : float
        Sample size as a multiple of D (n / D); the panel uses the closest sweep size.
    gamma : float
        Power-law exponent of the readout weights.
    caption : str
        The point of the beat, shown under the buttons.
    """

    key: str
    label: str
    ratio: float
    gamma: float
    caption: str


#: The four beats at gamma = 1 for :func:`default_seminar_sweep` (D = 100, p = 10). With
#: seed 0 the panel recovers 0, 1, 5 and 10 directions at these sample sizes.
SEMINAR_BEATS = (
    Beat("nothing", "Nothing learned", 4, 1.0,
         "No direction is recovered yet, and the error is about 1, that of predicting zero. The "
         "few eigenvalues outside the bulk come from single samples with large labels."),
    Beat("first", "First feature", 8, 1.0,
         "The strongest direction is recovered (squared overlap above 1/2), and the error starts "
         "to fall."),
    Beat("power_law", "Power-law regime", 64, 1.0,
         "Directions switch on one after another at n_k ∝ k^(2γ). The sum of these sharp steps "
         "is a smooth power law."),
    Beat("saturation", "Saturation", 512, 1.0,
         "All p directions are recovered. Only the alignment and readout errors remain, and "
         "they fall like 1/n."),
)


def default_seminar_sweep(D: int = 100, p: int = 10, gamma: float = 1.0, seed: int = 0,
                          max_ratio: int = 1024) -> NestedSweep:
    """Build the nested sweep of the talk: n / D = 1, 2, 4, ..., ``max_ratio``.

    The defaults are small enough that the whole sweep at one gamma takes about 5 s on
    two cores, and ``max_ratio`` is large enough that all p = 10 directions are found.
    """
    return default_start_sweep(D=D, p=p, gamma=gamma, seed=seed, max_ratio=max_ratio)


class SeminarPanel(StartHerePanel):
    """Start-here panel in presentation style, with one toggle button per beat of the talk.

    Choosing a beat sets the n and gamma sliders together and redraws once. The sliders
    stay available for questions from the audience.

    Parameters
    ----------
    sweep : NestedSweep, optional
        Defaults to :func:`default_seminar_sweep`.
    beats : sequence of Beat
        Presets, in the order of the talk; the first one is shown initially.
    figsize : tuple of float
        Figure size in inches; the default suits a 16:9 projector at presentation fonts.
    dpi : int
        Resolution of the rendered PNG.
    **panel_options
        Passed to :class:`helpers.widgets.base.FigurePanel` (for example ``raise_errors``).
    """

    def __init__(self, sweep: NestedSweep | None = None, beats=SEMINAR_BEATS,
                 figsize=(18.0, 6.0), dpi: int = 80, **panel_options):
        beats = tuple(beats)
        if not beats:
            raise InvalidParameterError("beats is empty: give at least one Beat preset.")
        keys = [beat.key for beat in beats]
        if len(set(keys)) != len(keys):
            raise InvalidParameterError(f"beats have repeated keys {keys}: give each beat its own key.")
        self.beats = {beat.key: beat for beat in beats}
        self._holding = False
        sweep = default_seminar_sweep() if sweep is None else sweep
        first = beats[0]
        super().__init__(sweep, n=self._closest_size(sweep, first.ratio), gamma=first.gamma,
                         dpi=check_positive_int(dpi, "dpi"), **panel_options)
        self.figsize = tuple(figsize)

        self.beat_buttons = widgets.ToggleButtons(
            options=[(beat.label, beat.key) for beat in beats], value=first.key,
            style={"button_width": "190px", "font_weight": "bold"},
        )
        self.caption = widgets.HTML()
        self._show_caption(first)
        self.beat_buttons.observe(self._on_beat, names="value")
        self.widget = widgets.VBox([self.beat_buttons, self.caption, self.widget])
        self.widget.add_class("seminar-panel")

    # ------------------------------------------------------------------ beats
    @staticmethod
    def _closest_size(sweep: NestedSweep, ratio: float) -> int:
        """Return the sweep size closest to ``ratio * D`` on a log scale."""
        if not ratio > 0:
            raise InvalidParameterError(f"ratio={ratio!r} is invalid: n / D must be positive.")
        target = ratio * sweep.model.feature_dim
        return min(sweep.sizes, key=lambda size: abs(math.log(size / target)))

    def beat_values(self, key: str) -> dict:
        """Return the control values ``{"n": ..., "gamma": ...}`` of the beat ``key``."""
        if key not in self.beats:
            raise InvalidParameterError(f"beat {key!r} is unknown: choose one of {list(self.beats)}.")
        beat = self.beats[key]
        return {"n": self._closest_size(self.sweep, beat.ratio), "gamma": beat.gamma}

    def apply_beat(self, key: str) -> None:
        """Set the sliders to the beat ``key`` and redraw once."""
        values = self.beat_values(key)
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
            self.beat_buttons.value = key
        finally:
            self._holding = False
        self._show_caption(self.beats[key])
        self.refresh()

    def matching_beat(self) -> str | None:
        """Return the key of the beat that the sliders show, or None if they show no beat."""
        for key in self.beats:
            if self.beat_values(key) == self.values:
                return key
        return None

    def _show_caption(self, beat: Beat | None) -> None:
        if beat is None:
            self.caption.value = "<div style='font-size: 22px; margin: 6px 0'>&nbsp;</div>"
            return
        self.caption.value = (f"<div style='font-size: 22px; margin: 6px 0'>"
                              f"<b>{html.escape(beat.label)}.</b> {html.escape(beat.caption)}</div>")

    def _on_beat(self, change) -> None:
        if change["new"] is not None and not self._holding:
            self.apply_beat(change["new"])

    def _on_change(self, change) -> None:
        # Setting two sliders for one beat would otherwise redraw twice.
        if self._holding:
            return
        super()._on_change(change)
        # A slider moved by hand: highlight the beat it lands on, or none.
        key = self.matching_beat()
        self._holding = True
        try:
            self.beat_buttons.value = key
        finally:
            self._holding = False
        self._show_caption(None if key is None else self.beats[key])

    # ------------------------------------------------------------------ figures
    def render(self, **values) -> Figure:
        """Draw a new unmanaged figure for ``values`` in the presentation style.

        The status line keeps describing the sliders when ``values`` differ from them (a
        static figure of another beat), although :meth:`draw` rewrites it.
        """
        # NOTE: this repeats FigurePanel.render with the presentation rcParams, because
        # FigurePanel.render applies the notebook style itself.
        status = self.status.value
        try:
            with course_style(presentation=True):
                figure = Figure(figsize=self.figsize, layout="constrained")
                self.draw(figure, **{**self.values, **values})
        finally:
            if values:
                self.status.value = status
        return figure

    def render_beat(self, key: str) -> Figure:
        """Return the static figure of the beat ``key``."""
        return self.render(**self.beat_values(key))

    def show_beats(self) -> None:
        """Display every beat as a caption and a static image that needs no kernel."""
        for key, beat in self.beats.items():
            display(HTML(f"<h3>{html.escape(beat.label)}</h3><p>{html.escape(beat.caption)}</p>"))
            self.show_static(**self.beat_values(key))

    def save_beats(self, directory, dpi: int = 100) -> list[pathlib.Path]:
        """Write one PNG per beat, named ``<index>_<key>.png``, and return the paths."""
        directory = pathlib.Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for index, key in enumerate(self.beats, start=1):
            path = directory / f"{index}_{key}.png"
            self.render_beat(key).savefig(path, dpi=check_positive_int(dpi, "dpi"))
            paths.append(path)
        return paths
