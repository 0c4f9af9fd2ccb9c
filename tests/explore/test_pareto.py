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


def _designs(count: int) -> pd.DataFrame:
    """`count` designs on a line from fast and costly to slow and cheap: all Pareto."""
    return pd.DataFrame(
        {
            "status": "ok",
            "network": "1.0-SqNxt-23",
            "overrides": [f'{{"pe_array.rows": {8 + i}, "dma.channels": 2}}' for i in range(count)],
            "seconds": [1e-3 * (1 + i) for i in range(count)],
            "energy_total": [1e9 / (1 + i) for i in range(count)],
            "params": 1e6,
            "energy_unit": "MAC",
        }
    )


def test_the_pareto_figure_has_a_title_and_labels_its_designs() -> None:
    """Three Pareto designs are named by network and settings, numbered as the front's rows;
    twelve (more than `NAMED`) get numbers only, and the title says what they mean."""
    from socsim.explore.pareto import NAMED, pareto_figure

    designs = _designs(3)
    figure = pareto_figure(designs, pareto(designs))
    assert figure.get_suptitle().startswith("Design-space sweep: 3 designs of 1 network")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == [f"{i + 1}: 1.0-SqNxt-23 rows={8 + i} channels=2" for i in range(3)]
    many = _designs(NAMED + 4)
    figure = pareto_figure(many, pareto(many))
    assert [t.get_text() for t in figure.axes[0].texts] == [str(i) for i in range(1, NAMED + 5)]
    assert "numbers are the rows of pareto.csv" in figure.get_suptitle()
