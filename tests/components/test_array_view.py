"""One array configuration: the mapper's `ArrayConfig` is derived from the `SocConfig`.

The SoC's `pe_array` and `global_buffer` sections take the defaults and the ranges of the
fields they pass to the mapper from `socsim.dataflow` (the one source), except the weight
sparsity pair, where the SoC is the paper's Squeezelerator (40% gated) and a bare array is
dense; the dataflow choice lists every dataflow the mapper knows.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest

from socsim.components.config import (
    DataflowChoice,
    SocConfig,
    with_overrides,
)
from socsim.dataflow import ArrayConfig, ArrayTiming, Dataflow, SparsityMode
from socsim.errors import ConfigError

# SoC key path -> the mapper's field it feeds.
FEEDS = {
    "pe_array.rows": "rows",
    "pe_array.cols": "cols",
    "pe_array.rf_words": "rf_words",
    "pe_array.rf_ifmap_words": "rf_ifmap_words",
    "pe_array.rf_filter_words": "rf_filter_words",
    "pe_array.rf_psum_words": "rf_psum_words",
    "pe_array.bytes_per_word": "bytes_per_word",
    "pe_array.weight_sparsity": "weight_sparsity",
    "pe_array.sparsity_mode": "sparsity_mode",
    "pe_array.compress_weights": "compress_weights",
    "pe_array.timing": "timing",
    "global_buffer.size_bytes": "glb_bytes",
    "global_buffer.words_per_cycle": "glb_words_per_cycle",
    "global_buffer.tile_fraction": "tile_fraction",
}


def test_every_field_of_the_view_is_fed_by_one_soc_key():
    assert sorted(FEEDS.values()) == sorted(asdict(ArrayConfig()))


def test_the_view_carries_each_soc_value():
    """Odd values everywhere, so a field wired to the wrong key would show."""
    values = {
        "pe_array.rows": 3,
        "pe_array.cols": 5,
        "pe_array.rf_words": 7,
        "pe_array.rf_ifmap_words": 11,
        "pe_array.rf_filter_words": 13,
        "pe_array.rf_psum_words": 17,
        "pe_array.bytes_per_word": 1,
        "pe_array.weight_sparsity": 0.25,
        "pe_array.sparsity_mode": "skip",
        "pe_array.compress_weights": True,
        "pe_array.timing": "systolic",
        "global_buffer.size_bytes": 1001,
        "global_buffer.words_per_cycle": 9,
        "global_buffer.tile_fraction": 0.375,
    }
    view = with_overrides(SocConfig(), values).array()
    expected = {FEEDS[key]: value for key, value in values.items()}
    expected.update(sparsity_mode=SparsityMode.SKIP, timing=ArrayTiming.SYSTOLIC)
    assert asdict(view) == expected


def test_the_soc_takes_the_views_defaults_but_the_papers_sparsity():
    soc, bare = asdict(SocConfig().array()), asdict(ArrayConfig())
    sparsity = ("weight_sparsity", "sparsity_mode")
    assert {k: v for k, v in soc.items() if k not in sparsity} == {
        k: v for k, v in bare.items() if k not in sparsity
    }
    assert (soc["weight_sparsity"], soc["sparsity_mode"]) == (0.4, SparsityMode.GATE)
    assert (bare["weight_sparsity"], bare["sparsity_mode"]) == (0.0, SparsityMode.NONE)


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("pe_array.weight_sparsity", 0.0, True),
        ("pe_array.weight_sparsity", 0.99, True),
        ("pe_array.weight_sparsity", 0.995, False),
        ("pe_array.weight_sparsity", -0.01, False),
        ("global_buffer.tile_fraction", 0.01, True),
        ("global_buffer.tile_fraction", 1.0, True),
        ("global_buffer.tile_fraction", 0.005, False),
        ("global_buffer.tile_fraction", 1.01, False),
        ("pe_array.rows", 1, True),
        ("pe_array.rows", 0, False),
        ("global_buffer.words_per_cycle", 0, False),
    ],
)
def test_the_soc_and_the_view_accept_the_same_values(key, value, accepted):
    """A value one of them refuses, the other refuses too (one range table)."""
    outcomes = []
    for build in (
        lambda: with_overrides(SocConfig(), {key: value}),
        lambda: ArrayConfig(**{FEEDS[key]: value}),
    ):
        try:
            build()
            outcomes.append(True)
        except ConfigError:
            outcomes.append(False)
    assert outcomes == [accepted, accepted]


def test_the_dataflow_choice_lists_every_dataflow_and_the_automatic_ones():
    assert [c.value for c in DataflowChoice] == [
        *(d.value for d in Dataflow),
        "auto",
        "auto-energy",
    ]
    assert DataflowChoice("is") is DataflowChoice.IS
