"""Measure the latency of every slider callback of the widget panels in helpers/widgets/.

Every subclass of ``FigurePanel`` found in ``helpers.widgets.*`` is built with its default
parameters (``raise_errors=True``) in a fresh subprocess. For each control the script moves
the value to new neighbouring values (cold: nothing cached for that value) and back to values
already shown (warm), and times the assignment ``control.value = ...``. The assignment runs
the whole callback synchronously: computation, drawing and PNG rendering.

Targets: a control with ``continuous_update=True`` updates live and should be theory-only, so
its target is 50 ms. A control with ``continuous_update=False`` may run a simulation, and its
target is 0.5 s. Both targets apply to medians. The table also lists the construction time, the first draw
and the rendering floor (``render_png`` at fixed values, nothing recomputed).

Usage: python benchmarks/bench_sliders.py [--panels StartHerePanel ...] [--write-readme]
"""

from __future__ import annotations

import argparse
import importlib
import io
import inspect
import json
import pkgutil
import sys
import time

import numpy as np

from common import describe_machine, machine_info, markdown_table, run_worker, write_readme_section

LIVE_TARGET_S = 0.05
SIMULATION_TARGET_S = 0.5
COLD_MOVES = 2
WARM_MOVES = 2


def discover_panels() -> dict[str, str]:
    """Return {class name: module name} for every FigurePanel subclass in helpers.widgets."""
    import helpers.widgets
    from helpers.widgets.base import FigurePanel

    panels = {}
    for module_info in pkgutil.iter_modules(helpers.widgets.__path__):
        module = importlib.import_module(f"helpers.widgets.{module_info.name}")
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, FigurePanel) and value is not FigurePanel
                    and value.__module__ == module.__name__):
                panels[name] = module.__name__
    return panels


def neighbour_values(control) -> list:
    """Return up to COLD_MOVES new values next to the control's current value."""
    import ipywidgets as widgets

    value = control.value
    if isinstance(control, (widgets.SelectionSlider, widgets.Dropdown, widgets.ToggleButtons,
                            widgets.RadioButtons, widgets.SelectionRangeSlider)):
        options = [option[1] if isinstance(option, tuple) else option for option in control.options]
        index = options.index(value)
        candidates = options[index + 1:] + options[:index][::-1]
        return candidates[:COLD_MOVES]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [not value]
    if hasattr(control, "step") and hasattr(control, "max"):
        step = control.step
        upward = [value + k * step for k in range(1, COLD_MOVES + 1) if value + k * step <= control.max + 1e-12]
        downward = [value - k * step for k in range(1, COLD_MOVES + 1) if value - k * step >= control.min - 1e-12]
        values = (upward + downward)[:COLD_MOVES]
        return [round(v, 10) if isinstance(step, float) else v for v in values]
    return []


def timed_move(control, value) -> tuple[float, float]:
    """Set a control and return the wall and CPU seconds of the synchronous callback."""
    wall, cpu = time.perf_counter(), time.process_time()
    control.value = value
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_panel(case: dict) -> dict:
    """Worker: build one panel and time cold and warm moves of each control."""
    import matplotlib

    matplotlib.use("Agg")
    module = importlib.import_module(case["module"])
    panel_class = getattr(module, case["panel"])

    start = time.perf_counter()
    panel = panel_class(raise_errors=True)
    construct = time.perf_counter() - start
    start = time.perf_counter()
    panel.refresh()
    first_draw = time.perf_counter() - start
    # render and savefig directly, so that a panel that caches its PNGs still draws.
    renders = []
    for _ in range(3):
        start = time.perf_counter()
        panel.render(**panel.values).savefig(io.BytesIO(), format="png", dpi=panel.dpi)
        renders.append(time.perf_counter() - start)

    controls = {}
    for name, control in panel.controls.items():
        original = control.value
        cold, warm = [], []
        visited = neighbour_values(control)
        for value in visited:
            cold.append(timed_move(control, value))
            if panel.last_error is not None:
                raise RuntimeError(f"{case['panel']}.{name} = {value!r} failed: {panel.last_error!r}")
        # Back to values already drawn: the previous neighbour, then the original value.
        for value in (visited[:-1][::-1] + [original])[:WARM_MOVES]:
            warm.append(timed_move(control, value))
        controls[name] = {
            "live": bool(getattr(control, "continuous_update", False)),
            "cold": [wall for wall, _ in cold], "warm": [wall for wall, _ in warm],
            "cold_cpu": [cpu for _, cpu in cold], "warm_cpu": [cpu for _, cpu in warm],
            "values": [repr(value) for value in visited],
        }
    return {"construct_s": construct, "first_draw_s": first_draw,
            "render_s": float(np.median(renders)), "controls": controls}


def milliseconds(values) -> str:
    return f"{np.median(values) * 1e3:.0f}" if values else ""


def format_rows(panel: str, result: dict) -> list:
    if "error" in result:
        return [[panel, "", "", "", result["error"], "", "", "", ""]]
    rows = [[panel, "(construct, first draw, render only)", "", "",
             f"{result['construct_s'] * 1e3:.0f}, {result['first_draw_s'] * 1e3:.0f}, "
             f"{result['render_s'] * 1e3:.0f}", "", "", "", ""]]
    for name, data in result["controls"].items():
        target = LIVE_TARGET_S if data["live"] else SIMULATION_TARGET_S
        if not data["cold"]:
            rows.append([panel, name, "", "", "no other value to move to", "", "", "", ""])
            continue
        worst = max(np.median(data["cold"]), np.median(data["warm"]) if data["warm"] else 0.0)
        status = "ok" if worst <= target else f"over by {worst / target:.1f}x"
        rows.append([panel, name, "live" if data["live"] else "on release", f"{target * 1e3:.0f}",
                     milliseconds(data["cold"]), milliseconds(data["cold_cpu"]),
                     milliseconds(data["warm"]), milliseconds(data["warm_cpu"]), status])
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--panels", nargs="*", help="class names to measure (default: all found)")
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure_panel(json.loads(args.worker))))
        return

    info = machine_info()
    print(describe_machine(info))
    panels = discover_panels()
    if args.panels:
        missing = sorted(set(args.panels) - set(panels))
        if missing:
            raise SystemExit(f"panels not found: {missing}; found: {sorted(panels)}")
        panels = {name: panels[name] for name in args.panels}

    rows = []
    for name, module in panels.items():
        result = run_worker(__file__, {"panel": name, "module": module}, timeout=900)
        rows.extend(format_rows(name, result))
        for row in rows[-(len(result.get("controls", {})) + 1):]:
            print(" | ".join(str(cell) for cell in row), flush=True)

    table = markdown_table(["panel", "control", "update", "target ms", "cold wall ms", "cold CPU ms",
                            "warm wall ms", "warm CPU ms", "status (wall)"], rows)
    settings = (f"Default parameters, each panel in a fresh subprocess; {COLD_MOVES} cold moves to "
                f"new neighbouring values and {WARM_MOVES} warm moves back per control, medians. "
                "Times include the PNG rendering. CPU ms is the process CPU time of the callback: "
                "on a loaded machine it is closer than the wall time to what an idle machine takes, "
                "as long as the work runs on one thread. BLAS threads: library default.")
    text = "\n\n".join([describe_machine(info), settings, table])
    print("\n" + text)
    if args.write_readme:
        write_readme_section("sliders", text)


if __name__ == "__main__":
    sys.exit(main())
