"""The static HTML edition: executed pages with static figures in place of widgets."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import NOTEBOOK_DIR, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "exercise_fixture.ipynb"
SEMINAR = NOTEBOOK_DIR / "10_seminar_demo.ipynb"
WIDGET_VIEW = {"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                            "version_minor": 0},
               "text/plain": "VBox(...)"}
PNG = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


edition = _load_script("build_static_edition")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the edition of the fixture and the seminar notebook once (about 10 s)."""
    out = tmp_path_factory.mktemp("edition")
    assert edition.main([str(FIXTURE), str(SEMINAR), "--out", str(out)]) == 0
    return out


def _page(built, path) -> str:
    return (built / f"{path.stem}.html").read_text(encoding="utf-8")


def _text(page: str) -> str:
    """Return the page without tags, so that highlighted code reads as plain text."""
    return re.sub(r"<[^>]+>", "", page)


# ---------------------------------------------------------------------------- unit

def test_strip_replaces_widget():
    notebook = new_notebook(cells=[
        new_code_cell("panel.show()", outputs=[new_output("display_data", data=WIDGET_VIEW)]),
        new_code_cell("x = 1", outputs=[new_output("stream", name="stdout", text="1\n")]),
    ])
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert edition.strip_widget_outputs(notebook) == [0]
    assert "widgets" not in notebook.metadata
    assert [list(output["data"]) for output in notebook.cells[0].outputs] == [["text/html", "text/plain"]]
    assert notebook.cells[1].outputs[0]["text"] == "1\n"


def test_panel_without_figure_flagged():
    figure = new_code_cell("panel.show_static()", outputs=[new_output("display_data", data=PNG)])
    panel = new_code_cell("panel.show()", outputs=[new_output("display_data", data=WIDGET_VIEW)])
    alone = new_code_cell("other.show()", outputs=[new_output("display_data", data=WIDGET_VIEW)])
    notebook = new_notebook(cells=[figure, new_markdown_cell("text"), panel,
                                   new_code_cell("x = 1"), new_code_cell("y = 2"), alone])
    panels = edition.strip_widget_outputs(notebook)
    assert panels == [2, 5]
    assert edition.panels_without_figure(notebook, panels) == [5]


def test_notebook_title():
    notebook = new_notebook(cells=[new_markdown_cell("# 03 · Title\n\n**Learn** this.\n\nMore.")])
    assert edition.notebook_title(notebook, "x") == ("03 · Title", "**Learn** this.")


def test_index_summary_keeps_math():
    summary = edition._markdown_to_text("**Learn** how $\\theta_k \\propto k^{-\\gamma}$ and `n` grow.")
    assert summary == "Learn how $\\theta_k \\propto k^{-\\gamma}$ and n grow."


# ---------------------------------------------------------------------------- the built pages

def test_index_links_pages(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    for path in (FIXTURE, SEMINAR):
        assert f"href='{path.stem}.html'" in index
    assert "Seminar demo: a scaling law in four beats" in index
    assert "Fixture: a notebook with exercises" in index


@pytest.mark.parametrize("path", [FIXTURE, SEMINAR], ids=lambda path: path.stem)
def test_page_has_no_widget_views(built, path):
    page = _page(built, path)
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert "application/vnd.jupyter.widget-state+json" not in page
    assert "Loading widget" not in page
    assert page.count("static-edition-note") == 1


def test_seminar_page_figures(built):
    page = _page(built, SEMINAR)
    images = len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", page))
    assert images >= 4, "one static figure per beat of the talk"
    assert "SeminarPanel(" not in _text(page), "cells tagged hide_input must show no code"


def test_fixture_page_executed(built):
    page = _page(built, FIXTURE)
    assert "def outlier_position" in _text(page)
    assert "Correct: outlier_position returns the expected value" in _text(page)
    assert re.search(r"<img[^>]+src=\"data:image/png;base64,", page)


# ---------------------------------------------------------------------------- the gallery

gallery = _load_script("make_gallery")
GALLERY = ROOT / "docs" / "gallery"
GALLERY_FIGURES = ("spectrum.png", "sequential_recovery.png", "scaling_law.png",
                   "shallow_vs_hierarchical.png")
#: The comparison with shallow baselines is drawn from a shipped sweep when it is available.
BASELINES_AVAILABLE = (importlib.util.find_spec("helpers.baseline_figures") is not None
                       and (ROOT / "data" / "baselines_gaussian.npz").exists())


@pytest.mark.parametrize("name", GALLERY_FIGURES)
def test_gallery_png_small(name):
    data = (GALLERY / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) < gallery.MAX_PNG_BYTES, f"{name} has {len(data) / 1024:.0f} KB"


def test_gallery_smoke_reproducible(tmp_path):
    first = gallery.make_gallery(tmp_path / "a", gallery.SMOKE)
    second = gallery.make_gallery(tmp_path / "b", gallery.SMOKE)
    expected = GALLERY_FIGURES if BASELINES_AVAILABLE else GALLERY_FIGURES[:3]
    assert [path.name for path in first] == list(expected)
    for path_a, path_b in zip(first, second):
        assert path_a.read_bytes() == path_b.read_bytes(), f"{path_a.name} differs between two runs"
