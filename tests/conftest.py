"""Session-wide test selection; under mutmut, every test that maps a layer is credited
with it, a mutant's tests run fastest first, and Hypothesis stops at a failure.

Mapping is cached (`socsim.dataflow.mapper.clear_cache`, the channel split of
`socsim.components.plan`), so a test mapping a shape an earlier test mapped never reaches the
mapping functions: mutmut's stats run, which records the functions each test reaches, would
credit only the first one, and check those functions' mutants without the others. In that
run (MUTANT_UNDER_TEST is "stats") every test starts with empty caches.

mutmut hands pytest the tests that reach a mutated function in no particular order and stops
at the first failure, so a mutant that a millisecond test kills could first wait through a
ten-second property test. mutmut records each test's duration in `mutmut-stats.json`, in the
directory its test runs start from; ordering by it changes no verdict, only how soon a
killed mutant is known (a survivor runs every test either way).

The `mutation` Hypothesis profile (`[tool.mutmut] pytest_add_cli_args`) is the `ci` one
(derandomized, so a verdict repeats; no deadline) that stops at the first failing example:
it neither shrinks the example nor looks for further distinct failures. Tests try the same
examples in the same order, so a mutant fails exactly when it would under `ci`; only the
report of why is rougher.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from socsim.components.plan import split_channels
from socsim.dataflow.mapper import clear_cache

settings.register_profile(
    "mutation",
    settings.get_profile("ci"),
    phases=[phase for phase in Phase if phase not in (Phase.shrink, Phase.explain)],
    report_multiple_bugs=False,
)


@pytest.fixture(autouse=True)
def uncached_in_mutmut_stats() -> None:
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        clear_cache()
        split_channels.cache_clear()


@cache
def mutmut_durations() -> dict[str, float]:
    """Test node id -> seconds, from mutmut's last stats run (empty before the first)."""
    stats = Path("mutmut-stats.json")
    if not stats.is_file():
        return {}
    return json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})


@pytest.hookimpl(trylast=True)  # after pytest groups tests by fixture
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The stress loops (minutes long, both CPUs burnt) run only when a `-m` expression names
    them: a marker in `addopts` would be replaced by any `-m` given on the command line, so
    `-m "not slow"` would run them."""
    if "stress" not in (config.option.markexpr or ""):
        stress = [item for item in items if item.get_closest_marker("stress")]
        if stress:
            config.hook.pytest_deselected(items=stress)
            items[:] = [item for item in items if not item.get_closest_marker("stress")]
    if "MUTANT_UNDER_TEST" in os.environ:  # set by mutmut in every process it runs tests in
        durations = mutmut_durations()
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
