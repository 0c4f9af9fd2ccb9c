"""Session-wide test selection; under mutmut, every test that maps a layer is credited with
it, every mutant maps afresh, and Hypothesis stops at the first failure.

Mapping is cached (`socsim.dataflow.mapper.clear_cache`, and the channel split of
`socsim.components.plan`). mutmut runs its stats run (which records the functions each test
reaches; MUTANT_UNDER_TEST is "stats") and the clean run of the tests in its own process,
then forks a child per mutant. So in the stats run every test starts with empty caches, or
a test mapping a shape an earlier one mapped would not be credited with the mapping
functions and would not be run on their mutants; and each mutant's run starts with empty
caches, or it would inherit the clean run's mappings and never call the mutated code.

The `mutation` Hypothesis profile (`[tool.mutmut] pytest_add_cli_args`) is the `ci` one
(derandomized, so a verdict repeats; no deadline) that stops at the first failing example:
it neither shrinks the example nor looks for further distinct failures. Tests try the same
examples in the same order, so a mutant fails exactly when it would under `ci`.
"""

from __future__ import annotations

import os

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


def forget_mappings() -> None:
    clear_cache()
    split_channels.cache_clear()


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):  # a mutant's run, or the stats run
        forget_mappings()


@pytest.fixture(autouse=True)
def uncached_in_mutmut_stats() -> None:
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        forget_mappings()
