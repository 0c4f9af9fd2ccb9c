"""Results identical to the golden files on every zoo network x both presets x each
partition, under each execution schedule.

`results.json` was written by `make_golden.py` before the structural changes of issue 13
(plan, elaborate, run, summarize as separate steps; one array config; energy applied in
one place), which must not change a single figure; the layer-by-layer schedule
(`schedule.fusion=none`) of issue 14 reproduces it, and `layers.json` (from the code
before issue 14) layer by layer. `results_weightless.json` pins the fused schedule the
presets run. `events.json` was written before the engine changes of issue 15 (busy-until
clocks, the columnar log, numpy summaries), which must not change a single event: per
schedule and case it pins a digest of every event's start, end, unit, action, tags,
bytes, counts and energy, and of the layer, frame and leakage tables and the summary.
The default run checks a representative subset (a fire-module network, the
paper's SqueezeNext and a depthwise one); the full product runs under `-m slow`.
"""

from __future__ import annotations

import json

import pytest
from make_golden import (
    EVENTS_PATH,
    PRESETS,
    SCHEDULES,
    all_cases,
    case_key,
    event_digests,
    figures,
    simulate_case,
)
from make_layer_golden import CASES as LAYER_CASES
from make_layer_golden import PATH as LAYER_PATH
from make_layer_golden import case_key as layer_key
from make_layer_golden import run_case as run_layer_case

GOLDEN = {fusion: json.loads(path.read_text()) for fusion, path in SCHEDULES.items()}
EVENTS = json.loads(EVENTS_PATH.read_text())
LAYER_GOLDEN = json.loads(LAYER_PATH.read_text())
FAST = ("SqueezeNet-v1.1", "1.0-SqNxt-23v5")
FAST_CASES = [(*c, f) for c in all_cases() if c[0] in FAST for f in SCHEDULES]
SLOW_CASES = [(*c, f) for c in all_cases() if c[0] not in FAST for f in SCHEDULES]


def case_id(case: tuple[str, str, str, str]) -> str:
    return f"{case_key(*case[:3])} | {case[3]}"


@pytest.mark.parametrize("fusion", SCHEDULES)
def test_golden_file_covers_every_case(fusion: str) -> None:
    """Each golden file holds exactly the cases the product enumerates (none lost or added)."""
    assert set(GOLDEN[fusion]) == set(EVENTS[fusion]) == {case_key(*c) for c in all_cases()}
    assert len(GOLDEN[fusion]) == len(all_cases()) == 24 * len(PRESETS) * 3


def check(case: tuple[str, str, str, str]) -> None:
    # Energy is a float sum; the same arithmetic in the same order gives the same bits.
    result = simulate_case(*case)
    assert figures(result.summary) == GOLDEN[case[3]][case_key(*case[:3])]
    assert event_digests(result) == EVENTS[case[3]][case_key(*case[:3])]


@pytest.mark.parametrize("case", FAST_CASES, ids=case_id)
def test_golden_fast(case: tuple[str, str, str, str]) -> None:
    check(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=case_id)
def test_golden_slow(case: tuple[str, str, str, str]) -> None:
    check(case)


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda c: layer_key(*c))
def test_layer_by_layer_is_what_socsim_did_before_schedules(case: tuple[str, str, int]) -> None:
    """`fusion: none` gives each layer the cycles, compute cycles, DRAM bytes and energy it
    had before issue 14 (pools, adds and concats included, one cluster and two)."""
    assert run_layer_case(*case) == LAYER_GOLDEN[layer_key(*case)]
