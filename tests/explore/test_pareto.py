"""Pareto fronts: exactly the rows no other row beats on every objective."""

from __future__ import annotations

import numpy as np
import pandas as pd

from socsim.explore import pareto


def test_hand_made_front() -> None:
    frame = pd.DataFrame(
        {
            "name": ["fast", "frugal", "small", "dominated", "tie", "failed", "unknown"],
            "seconds": [1.0, 3.0, 2.0, 2.0, 1.0, 0.1, np.nan],
            "energy_total": [9.0, 1.0, 5.0, 6.0, 9.0, 0.1, 0.1],
            "params": [5, 5, 1, 1, 5, 1, 1],
            "status": ["ok", "ok", "ok", "ok", "ok", "error", "ok"],
        }
    )
    front = pareto(frame)
    # "dominated" loses to "small" on energy and ties it elsewhere; "fast" and "tie" are
    # equal on every objective, so neither dominates the other; failed and unknown rows
    # take no part. Sorted by time.
    assert front["name"].tolist() == ["fast", "tie", "small", "frugal"]


def test_front_matches_the_definition_on_random_data() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 8, size=(300, 3)).astype(float)  # many ties
    frame = pd.DataFrame(values, columns=["seconds", "energy_total", "params"])
    expected = {
        i
        for i, v in enumerate(values)
        if not np.any(np.all(values <= v, axis=1) & np.any(values < v, axis=1))
    }
    assert set(pareto(frame).index) == expected


def test_objectives_can_be_chosen() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1], "c": [0, 0, 9]})
    assert pareto(frame, ["a", "b"]).index.tolist() == [0, 1, 2]
    assert pareto(frame, ["a", "c"]).index.tolist() == [0]
