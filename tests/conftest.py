"""Session-wide test selection."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The stress loops (minutes long, both CPUs burnt) run only when a `-m` expression names
    them: a marker in `addopts` would be replaced by any `-m` given on the command line, so
    `-m "not slow"` would run them."""
    if "stress" in (config.option.markexpr or ""):
        return
    stress = [item for item in items if item.get_closest_marker("stress")]
    if stress:
        config.hook.pytest_deselected(items=stress)
        items[:] = [item for item in items if not item.get_closest_marker("stress")]
