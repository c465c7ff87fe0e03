"""scripts/notebook_timings.py rewrites only its own section of benchmarks/README.md."""

import importlib.util

from conftest import ROOT

SPEC = importlib.util.spec_from_file_location("notebook_timings", ROOT / "scripts" / "notebook_timings.py")
notebook_timings = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(notebook_timings)
TITLE = notebook_timings.SECTION_TITLE


def test_replace_section_keeps_neighbours():
    text = f"# Benchmarks\n\nintro\n\n## {TITLE}\n\nold table\n\n### detail\nold\n\n## Memory\n\nkept\n"
    updated = notebook_timings.replace_section(text, TITLE, "NEW")
    assert updated == f"# Benchmarks\n\nintro\n\n## {TITLE}\n\nNEW\n\n## Memory\n\nkept\n"


def test_replace_section_at_end():
    updated = notebook_timings.replace_section(f"# Benchmarks\n\n## {TITLE}\nold\n", TITLE, "NEW")
    assert updated == f"# Benchmarks\n\n## {TITLE}\n\nNEW\n"


def test_replace_section_appends_missing():
    assert notebook_timings.replace_section("# Benchmarks\n", TITLE, "NEW") == f"# Benchmarks\n\n## {TITLE}\n\nNEW\n"
    assert notebook_timings.replace_section("", TITLE, "NEW") == f"## {TITLE}\n\nNEW\n"


def test_format_table_lists_notebooks():
    table = notebook_timings.format_table({"00_start_here.ipynb": 12.34, "01_x.ipynb": 30.0}, repeat=1)
    assert "| 00_start_here.ipynb | 12.3 | 21% |" in table
    assert "| **total** | 42.3 | |" in table
