"""Base class for interactive figures: widget controls that redraw one matplotlib figure.

The figure is a ``matplotlib.figure.Figure`` that pyplot does not manage, so moving a
slider never leaves a new open figure behind. It is rendered to PNG and shown in an
``ipywidgets.Image``. An exception raised while drawing goes to a visible error area and
to :attr:`FigurePanel.last_error`, so it never vanishes into the kernel log.
"""

from __future__ import annotations

import io
import traceback

import ipywidgets as widgets
from IPython.display import Image, display
from matplotlib.figure import Figure

from .._validation import InvalidParameterError
from ..style import course_style

__all__ = ["FigurePanel", "log_sample_slider", "exponent_slider"]


def log_sample_slider(values, value, description: str = "n") -> widgets.SelectionSlider:
    """Create a slider over sample sizes spaced on a log scale.

    Parameters
    ----------
    values : sequence of int
        Allowed sample sizes, increasing (for example powers of two times D).
    value : int
        Initial value; must be one of ``values``.
    description : str
        Label shown left of the slider.
    """
    values = [int(v) for v in values]
    if value not in values:
        raise InvalidParameterError(
            f"value={value!r} is invalid: it must be one of the slider values {values}."
        )
    return widgets.SelectionSlider(
        options=[(f"{v:,}", v) for v in values], value=int(value), description=description,
        continuous_update=False, layout=widgets.Layout(width="420px"),
    )


def exponent_slider(value: float = 1.0, minimum: float = 0.0, maximum: float = 1.5,
                    step: float = 0.1, description: str = "γ",
                    continuous_update: bool = False) -> widgets.FloatSlider:
    """Create a slider for the power-law exponent gamma; ``value`` must lie in [minimum, maximum]."""
    if not minimum <= value <= maximum:
        raise InvalidParameterError(
            f"gamma={value!r} is invalid: the slider covers [{minimum}, {maximum}]; "
            "pick a value in that range."
        )
    return widgets.FloatSlider(
        value=value, min=minimum, max=maximum, step=step, description=description,
        readout_format=".2f", continuous_update=continuous_update,
        layout=widgets.Layout(width="420px"),
    )


class FigurePanel:
    """Controls plus one figure; subclasses implement :meth:`draw`.

    Parameters
    ----------
    controls : dict of str to ipywidgets.ValueWidget
        Named controls; their values are passed to :meth:`draw` as keyword arguments.
    figsize : tuple of float
        Figure size in inches.
    dpi : int
        Resolution of the rendered PNG.
    raise_errors : bool
        Re-raise drawing errors after showing them (for tests).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel to display.
    last_error : Exception or None
        Error raised by the last redraw, if any.
    redraw_count : int
        Number of completed redraws.
    """

    def __init__(self, controls: dict, figsize=(12.0, 4.0), dpi: int = 90, raise_errors: bool = False):
        self.controls = dict(controls)
        self.figsize = figsize
        self.dpi = dpi
        self.raise_errors = raise_errors
        self.last_error: Exception | None = None
        self.redraw_count = 0
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.error_area = widgets.Output(layout=widgets.Layout(border="0px"))
        self.status = widgets.HTML()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox([
            widgets.HBox(list(self.controls.values()) + [self.status]),
            self.image,
            self.error_area,
        ])
        self.widget.add_class("course-panel")

    # ------------------------------------------------------------------ subclass API
    def draw(self, figure: Figure, **values) -> None:
        """Draw the figure for the given control values (implemented by subclasses)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ machinery
    @property
    def values(self) -> dict:
        """Current control values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def render(self, **values) -> Figure:
        """Draw a new unmanaged figure for ``values`` (defaults: the current controls).

        The status line keeps describing the controls: a render for other values (a static
        figure, say) restores the text that :meth:`draw` may have changed.
        """
        status = self.status.value
        with course_style():
            figure = Figure(figsize=self.figsize, layout="constrained")
            self.draw(figure, **{**self.values, **values})
        if any(values.get(name, value) != value for name, value in self.values.items()):
            self.status.value = status
        return figure

    def render_png(self, **values) -> bytes:
        """Render the figure for ``values`` (defaults: the current controls) to PNG bytes."""
        buffer = io.BytesIO()
        self.render(**values).savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

    def show_static(self, **values) -> None:
        """Display the figure for ``values`` as a plain image that needs no kernel to view.

        This is the static companion of the interactive panel: it survives an HTML export
        and shows on GitHub, where widget views do not.
        """
        display(Image(data=self.render_png(**values), format="png"))

    def refresh(self) -> None:
        """Redraw for the current control values, showing any error in the error area."""
        try:
            self.image.value = self.render_png()
            self.last_error = None
            self.error_area.outputs = ()
            self.redraw_count += 1
        except Exception as error:  # shown to the reader, never swallowed silently
            self.last_error = error
            self.error_area.outputs = ()
            # append_stderr writes to the widget model directly, so the message is shown even
            # when the callback runs outside the cell that created the panel.
            self.error_area.append_stderr("Error while updating the figure:\n" + traceback.format_exc())
            if self.raise_errors:
                raise

    def _on_change(self, change) -> None:
        self.refresh()

    def show(self) -> widgets.VBox:
        """Draw once and display the panel; returns the widget."""
        self.refresh()
        display(self.widget)
        return self.widget

    def image_fingerprint(self) -> int:
        """Hash of the rendered PNG, to test that a control change altered the figure."""
        return hash(bytes(self.image.value)) if self.image.value else 0

