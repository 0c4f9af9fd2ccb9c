"""Co-design: the search space, the ranking, and the comparison with the paper's variants."""

from __future__ import annotations

import math

import pytest

from socsim import get_preset
from socsim.errors import ConfigError
from socsim.explore import SerialExecutor, codesign, compositions, make_executor, search_space
from socsim.explore.codesign import codesign_report, paper_variants
from socsim.workloads import get_network

V1_TO_V5 = ["1.0-SqNxt-23", "1.0-SqNxt-23v2", "1.0-SqNxt-23v3", "1.0-SqNxt-23v4",
            "1.0-SqNxt-23v5"]  # fmt: skip


def test_compositions_are_every_positive_split_once() -> None:
    six = compositions(6)
    assert len(six) == len(set(six)) == math.comb(5, 3)
    assert all(sum(c) == 6 and min(c) >= 1 and len(c) == 4 for c in six)
    assert len(compositions(21)) == 1140
    assert compositions(4) == [(1, 1, 1, 1)]


def test_search_space_crosses_kernels_widths_and_styles() -> None:
    space = search_space(5, conv1_ks=(5, 7), widths=(1.0, 2.0), first_blocks=("shortcut",))
    assert len(space) == 4 * 2 * 2
    assert {s.conv1_k for s in space} == {5, 7} and {s.width for s in space} == {1.0, 2.0}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"blocks": 3}, "blocks=3"), ({"conv1_ks": (0,)}, "conv1_k=0"),
     ({"widths": (-1,)}, "width=-1"), ({"first_blocks": ("x",)}, "first_block='x'")],
)  # fmt: skip
def test_search_space_rejects_bad_arguments(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        search_space(**{"blocks": 6, **kwargs})


def test_paper_variants_of_each_width() -> None:
    assert paper_variants([1.0]) == V1_TO_V5
    assert paper_variants([2]) == ["2.0-SqNxt-23", "2.0-SqNxt-23v4", "2.0-SqNxt-23v5"]


def test_a_small_search_ranks_designs_and_places_the_paper_beside_them() -> None:
    soc = get_preset("squeezelerator-16x16")
    with make_executor(workers=2) as executor:
        result = codesign(soc, blocks=6, executor=executor)
    designs, paper = result.designs, result.paper
    assert len(designs) == 10 and (result.over_budget, result.failed) == (0, 0)
    assert designs["cycles"].is_monotonic_increasing
    assert sorted(designs["depth"]) == sorted(
        "[" + ",".join(map(str, c)) + "]" for c in compositions(6)
    )
    assert sorted(paper["network"]) == sorted(V1_TO_V5)
    assert paper.set_index("network").loc["1.0-SqNxt-23v5", "depth"] == "[2,4,14,1]"
    assert paper["rank"].isna().all()  # 23 modules are not among 6-block designs
    assert min(designs["time_x"].min(), paper["time_x"].min()) == 1.0
    text = codesign_report(result, top=3)
    assert "best 3 of 10 designs by time" in text and "1.0-SqNxt-23v5 [2,4,14,1]" in text

    # Ranked by energy instead, within a parameter budget.
    budget = designs["params"].median()
    frugal = codesign(soc, blocks=6, objective="energy", max_params=budget,
                      executor=SerialExecutor())  # fmt: skip
    assert frugal.designs["energy_total"].is_monotonic_increasing
    assert (frugal.designs["params"] <= budget).all()
    assert len(frugal.designs) + frugal.over_budget == 10 and frugal.over_budget > 0


@pytest.mark.slow
def test_the_search_on_16x16_finds_a_design_at_least_as_fast_as_v5_on_its_budget() -> None:
    v5_params = get_network("1.0-SqNxt-23v5").params
    with make_executor() as executor:
        result = codesign(
            get_preset("squeezelerator-16x16"), max_params=v5_params, executor=executor
        )
    v5 = result.paper.set_index("network").loc["1.0-SqNxt-23v5"]
    assert len(result.designs) + result.over_budget == 1140 and result.failed == 0
    assert result.designs["cycles"].iloc[0] <= v5["cycles"]
    assert result.designs.loc[v5["rank"] - 1, "depth"] == "[2,4,14,1]"
