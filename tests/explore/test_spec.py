"""Sweep specs: expansion into points, stable ids, and errors that name what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from socsim.errors import ConfigError, WorkloadError
from socsim.explore import SqueezeNextNetwork, ZooNetwork, load_spec, parse_spec
from socsim.workloads import get_network, write_topology


def test_grid_crosses_every_setting_with_every_network(tiny: dict) -> None:
    spec = parse_spec(tiny)
    assert len(spec.points) == 2 * 2 * 2 * 2
    assert {p.network for p in spec.points} == {
        SqueezeNextNetwork((1, 1, 1, 1), conv1_k=5),
        SqueezeNextNetwork((1, 1, 2, 1), conv1_k=5),
    }
    settings = {p.overrides for p in spec.points}
    assert len(settings) == 8
    first = spec.points[0]
    assert first.overrides == (
        ("pe_array.rows", 8), ("pe_array.cols", 8), ("global_buffer.size_bytes", 32768),
    )  # fmt: skip
    assert (first.soc.pe_array.rows, first.soc.global_buffer.size_bytes) == (8, 32768)
    assert len({p.id for p in spec.points}) == 16


def test_ids_depend_on_what_runs_not_on_how_the_spec_says_it(tiny: dict) -> None:
    ids = {p.id for p in parse_spec(tiny).points}
    reordered = dict(tiny, grid=dict(reversed(list(tiny["grid"].items()))))
    assert {p.id for p in parse_spec(reordered).points} == ids
    # Setting a field to the base's own value is the same point.
    same = dict(tiny, grid={**tiny["grid"], "clusters": [1]})
    assert {p.id for p in parse_spec(same).points} == ids
    other = dict(tiny, grid={**tiny["grid"], "dram.bytes_per_cycle": [4]})
    assert not {p.id for p in parse_spec(other).points} & ids


def test_a_zoo_name_and_the_same_network_spelled_out_are_one_point() -> None:
    v5 = {"squeezenext": {"depth": [2, 4, 14, 1], "conv1_k": 5, "first_block": "projection"}}
    spec = parse_spec({"networks": ["1.0-sqnxt-23V5", v5]})
    assert len(spec.points) == 1
    assert spec.points[0].network == ZooNetwork("1.0-SqNxt-23v5")  # canonical name


def test_squeezenext_fields_given_as_lists_are_crossed() -> None:
    entry = {"depth": [[2, 4, 14, 1], [1, 6, 13, 1]], "conv1_k": [5, 7], "width": 2}
    spec = parse_spec({"networks": [{"squeezenext": entry}]})
    labels = sorted(p.network.label for p in spec.points)
    assert labels == [
        "2.0-SqNxt-1-6-13-1-k5-shortcut", "2.0-SqNxt-1-6-13-1-k7-shortcut",
        "2.0-SqNxt-2-4-14-1-k5-shortcut", "2.0-SqNxt-2-4-14-1-k7-shortcut",
    ]  # fmt: skip


def test_topology_files_and_soc_files_are_relative_to_the_spec(tmp_path: Path) -> None:
    write_topology(get_network("AlexNet"), tmp_path / "alex.csv")
    (tmp_path / "soc.yaml").write_text("base: squeezelerator-8x8\ndram:\n  bytes_per_cycle: 4\n")
    (tmp_path / "spec.yaml").write_text("networks: [alex.csv]\nbase: soc.yaml\n")
    spec = load_spec(tmp_path / "spec.yaml")
    (point,) = spec.points
    assert point.network.label == "alex.csv"
    assert point.network.build().name == "alex"
    assert (point.soc.pe_array.rows, point.soc.dram.bytes_per_cycle) == (8, 4)
    assert spec.text == (tmp_path / "spec.yaml").read_text()


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"grid": {"pe_array.rowz": [8]}}, ["grid", "'pe_array.rowz'"]),
        ({"grid": {"pe_array.rows": [8, 0]}}, ["grid", "pe_array.rows=0", "a positive number of PEs"]),
        ({"grid": {"pe_array.rows": ["x"]}}, ["pe_array.rows='x'", "a number of PEs"]),
        ({"grid": {"pe_array.rows": []}}, ["pe_array.rows=[]"]),
        ({"grid": [8]}, ["grid=[8]"]),
        ({"colour": "red"}, ["unknown key 'colour'"]),
        ({"base": "squeezelerator-4x4"}, ["base", "unknown preset 'squeezelerator-4x4'"]),
        ({"networks": []}, ["networks=[]"]),
        ({"random": {"count": 0, "ranges": {"clusters": [1, 2]}}}, ["random.count=0"]),
        ({"random": {"count": 2, "ranges": {"clusters": [3, 1]}}}, ["random.ranges.clusters"]),
        ({"random": {"count": 2, "ranges": {"clusters": [0, 4]}}}, ["clusters=0"]),
        ({"random": {"count": 2, "ranges": {"clusterz": [1, 2]}}}, ["'clusterz'"]),
        ({"random": {"count": 2, "ranges": {"pe_array.rows": [1, 2]}}}, ["both grid and random"]),
        ({"networks": [{"squeezenext": {"depth": [1, 2, 3]}}]}, ["squeezenext.depth=[1, 2, 3]"]),
        ({"networks": [{"squeezenext": {"depth": [1, 1, 1, 1], "first_block": "x"}}]},
         ["squeezenext.first_block='x'"]),
        ({"networks": [{"squeezenext": {"depth": [1, 1, 1, 1], "kernel": 3}}]},
         ["unknown key networks[0].squeezenext.'kernel'"]),
    ],
)  # fmt: skip
def test_a_bad_spec_fails_before_anything_runs_naming_the_key(
    tiny: dict, change: dict, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_spec({**tiny, **change}, source="my.yaml")
    message = str(caught.value)
    assert message.startswith("my.yaml: ")
    for fragment in fragments:
        assert fragment in message


def test_a_combination_the_soc_rejects_names_the_point(tiny: dict) -> None:
    # 64 x 64 PEs need 8 KiB of buffer for one word each.
    grid = {"pe_array.rows": [64], "pe_array.cols": [64], "global_buffer.size_bytes": [4096, 8192]}
    with pytest.raises(ConfigError, match=r"point \{.*4096.*global_buffer.size_bytes=4096"):
        parse_spec({**tiny, "grid": grid}, source="my.yaml")


def test_an_unknown_network_is_named_with_its_place(tiny: dict) -> None:
    with pytest.raises(WorkloadError, match=r"my.yaml: networks\[1\]: unknown model 'SqNxt-99'"):
        parse_spec({**tiny, "networks": ["AlexNet", "SqNxt-99"]}, source="my.yaml")


def test_yaml_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("networks: [AlexNet\ngrid: {}\n")
    with pytest.raises(ConfigError, match=r"broken.yaml line \d"):
        load_spec(path)
    with pytest.raises(ConfigError, match="no-such.yaml"):
        load_spec(tmp_path / "no-such.yaml")


RANDOM = {
    "networks": ["1.0-SqNxt-23"],
    "random": {
        "seed": 3,
        "count": 40,
        "ranges": {
            "pe_array.rows": [4, 32],
            "dram.bytes_per_cycle": {"low": 2, "high": 64, "log": True},
            "global_buffer.tile_fraction": [0.25, 0.75],
            "global_buffer.size_bytes": {"choice": [65536, 131072]},
        },
    },
}


def test_random_samples_are_reproducible_from_the_seed_and_stay_in_range() -> None:
    points = parse_spec(RANDOM).points
    again = parse_spec(RANDOM).points
    assert [p.id for p in points] == [p.id for p in again]
    other = parse_spec({**RANDOM, "random": {**RANDOM["random"], "seed": 4}}).points
    assert [p.id for p in other] != [p.id for p in points]
    assert len(points) == 40  # a sample equal to an earlier one is drawn again
    for p in points:
        assert 4 <= p.soc.pe_array.rows <= 32
        assert 2 <= p.soc.dram.bytes_per_cycle <= 64
        assert isinstance(p.soc.dram.bytes_per_cycle, int)
        assert 0.25 <= p.soc.global_buffer.tile_fraction <= 0.75
        assert p.soc.global_buffer.size_bytes in (65536, 131072)
    assert len({p.soc.pe_array.rows for p in points}) > 10


def test_random_samples_meet_every_grid_point() -> None:
    data = {**RANDOM, "grid": {"clusters": [1, 2]}}
    data["random"] = {**RANDOM["random"], "count": 3}
    points = parse_spec(data).points
    assert len(points) == 6
    assert [p.soc.clusters for p in points] == [1, 1, 1, 2, 2, 2]
    assert [p.soc.pe_array.rows for p in points[:3]] == [p.soc.pe_array.rows for p in points[3:]]


def test_random_count_is_met_or_the_warning_says_why(caplog) -> None:
    """Rows 4 to 5 and two buffer sizes hold 2 x 2 = 4 settings: asking for 4 finds all
    four (repeats drawn again), asking for 9 yields the 4 and a warning naming the space."""
    ranges = {"pe_array.rows": [4, 5], "global_buffer.size_bytes": {"choice": [65536, 131072]}}
    spec = {"networks": ["1.0-SqNxt-23"], "random": {"seed": 1, "count": 4, "ranges": ranges}}
    points = parse_spec(spec).points
    settings = {(p.soc.pe_array.rows, p.soc.global_buffer.size_bytes) for p in points}
    assert settings == {(4, 65536), (4, 131072), (5, 65536), (5, 131072)}
    assert not caplog.records
    spec["random"]["count"] = 9
    assert len(parse_spec(spec).points) == 4
    assert "4 distinct settings of the 9 asked (count): the ranges hold only 4 combinations" in (
        caplog.text
    )
