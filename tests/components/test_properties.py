"""Invariants of the SimPy SoC on random small SoCs and networks (see socsim.testing)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socsim import simulate
from socsim.components.config import Partition
from socsim.testing import check_invariants, layers, networks, soc_configs
from socsim.workloads import INPUT, Network, Op

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
frames = st.integers(1, 3)
rates = st.sampled_from([None, 2e6, 2e7])  # bursts, and streams that do and do not keep up


@SETTINGS
@given(networks(), soc_configs(), frames, rates)
def test_every_run_satisfies_the_invariants(network, soc, count, fps):
    check_invariants(simulate(network, soc, frames=count, arrival=fps))


@SETTINGS
@given(layers(), soc_configs(max_clusters=2))
def test_every_kind_of_layer_runs_alone_within_the_invariants(layer, soc):
    operands = len(layer.inputs)  # add and concat read the network input that many times
    channels = layer.c_in // operands if layer.op is Op.CONCAT else layer.c_in
    alone = replace(layer, inputs=(INPUT,) * operands)
    network = Network("alone", (channels, layer.h_in, layer.w_in), (alone,))
    check_invariants(simulate(network, soc))


@SETTINGS
@given(networks(), soc_configs(), frames)
def test_the_same_inputs_give_the_same_event_log(network, soc, count):
    first = simulate(network, soc, frames=count)
    second = simulate(network, soc, frames=count)
    assert first.events.equals(second.events)


@SETTINGS
@given(networks(), soc_configs(max_clusters=1), st.integers(2, 4))
def test_more_dram_bandwidth_is_never_slower(network, soc, factor):
    faster = replace(soc, dram=replace(soc.dram, bytes_per_cycle=soc.dram.bytes_per_cycle * factor))
    assert simulate(network, faster).summary["cycles"] <= simulate(network, soc).summary["cycles"]


@SETTINGS
@given(networks(), soc_configs(max_clusters=1), st.integers(2, 6))
def test_more_clusters_under_frames_are_never_slower(network, soc, count):
    one = replace(soc, partition=Partition.FRAMES)
    two = replace(one, clusters=2)
    assert (
        simulate(network, two, frames=count).summary["cycles"]
        <= simulate(network, one, frames=count).summary["cycles"]
    )
