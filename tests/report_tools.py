"""Print extra tables (timings) at the end of a pytest run from inside a test module."""

from __future__ import annotations


class SummarySection:
    """A pytest plugin that prints ``rows`` under ``title`` in the terminal summary.

    ``rows`` is kept by reference, so tests can append to it after registration.
    """

    def __init__(self, title: str, rows: list[str]):
        self.title = title
        self.rows = rows

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.rows:
            terminalreporter.section(self.title)
            for row in self.rows:
                terminalreporter.write_line(row)


def print_at_end(config, title: str, rows: list[str]) -> None:
    """Print ``rows`` under ``title`` when the pytest run ends (registered once per title)."""
    name = f"summary-section: {title}"
    if config.pluginmanager.get_plugin(name) is None:
        config.pluginmanager.register(SummarySection(title, rows), name)
