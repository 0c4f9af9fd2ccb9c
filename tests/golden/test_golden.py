"""Results identical to the golden file on every zoo network x both presets x each partition.

`results.json` was written by `make_golden.py` before the structural changes of issue 13
(plan, elaborate, run, summarize as separate steps; one array config; energy applied in
one place), which must not change a single figure. The default run checks a representative
subset (a fire-module network, the paper's SqueezeNext and a depthwise one); the full
product runs under `-m slow`.
"""

from __future__ import annotations

import json

import pytest
from make_golden import PATH, PRESETS, all_cases, case_key, run_case

GOLDEN = json.loads(PATH.read_text())
FAST = ("SqueezeNet-v1.1", "1.0-SqNxt-23v5")
FAST_CASES = [c for c in all_cases() if c[0] in FAST]
SLOW_CASES = [c for c in all_cases() if c[0] not in FAST]


def test_golden_file_covers_every_case() -> None:
    """The golden file holds exactly the cases the product enumerates (none lost or added)."""
    assert set(GOLDEN) == {case_key(*c) for c in all_cases()}
    assert len(GOLDEN) == len(all_cases()) == 24 * len(PRESETS) * 3


def check(case: tuple[str, str, str]) -> None:
    # Energy is a float sum; the same arithmetic in the same order gives the same bits.
    assert run_case(*case) == GOLDEN[case_key(*case)]


@pytest.mark.parametrize("case", FAST_CASES, ids=lambda c: case_key(*c))
def test_golden_fast(case: tuple[str, str, str]) -> None:
    check(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=lambda c: case_key(*c))
def test_golden_slow(case: tuple[str, str, str]) -> None:
    check(case)
