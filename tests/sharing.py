"""The scope of fixtures whose result several tests share.

A module- or session-scoped fixture computes once, inside the first test that asks for it.
mutmut maps each function to the tests that call it (its "stats" run, which records the
functions each test reaches) and checks a mutant with those tests only, so it would credit
that first test alone and let pass a mutant that the other tests kill. During that run (it
sets MUTANT_UNDER_TEST to "stats") such fixtures are computed for every test. A mutant's own
run keeps the wider scope: every test in it sees the mutant, so the fixture is computed once.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pytest import Config


def shared(scope: str) -> Callable[[str, Config], str]:
    """`scope`, or "function" in mutmut's stats run: for `@pytest.fixture(scope=shared(...))`."""

    def decide(fixture_name: str, config: Config) -> str:
        return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else scope

    return decide
