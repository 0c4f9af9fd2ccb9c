"""`simulate` as four steps: plan, elaborate, run, summarize.

The plan is decided once, before time starts, as plain data (a `Program`); the run step only
carries it out and never maps a layer; `Result.layers` describes what the program ran; and a
`SimulationError` keeps its partial result through pickle (as a process pool sends it).
"""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

import socsim
import socsim.components.plan as planning
import socsim.simulation as simulation
from socsim.components.config import Partition
from socsim.components.interconnect import Interconnect
from socsim.components.plan import plan
from socsim.components.soc import Soc
from socsim.components.stream import Arrival
from socsim.errors import ConfigError, SimulationError
from socsim.simulation import elaborate, run, summarize
from socsim.workloads import NetworkBuilder

BASE = socsim.get_preset("squeezelerator-8x8")


def network():
    """Odd sizes so the channel shares of 2 and 3 clusters differ from the whole layers:
    a 7-filter conv, a depthwise conv of 7 groups, a 5-filter 1x1 conv and a 3-way fc."""
    builder = NetworkBuilder("steps", (3, 13, 11))
    builder.conv("conv", "input", 7, 3, pad=1)
    builder.conv("dw", "conv", 7, 3, pad=1, groups=7)
    builder.conv("pw", "dw", 5, 1)
    builder.fc("fc", "pw", 3)
    return builder.build()


def config(partition: str, clusters: int = 2):
    return replace(BASE, clusters=clusters, partition=partition)


PARTITIONS = [p.value for p in Partition]


@pytest.mark.parametrize("partition", PARTITIONS)
def test_plan_is_called_once_per_simulate(monkeypatch, partition):
    calls = []

    def counted(net, soc):
        calls.append(soc.partition)
        return plan(net, soc)

    monkeypatch.setattr(simulation, "plan", counted)
    socsim.simulate(network(), config(partition), frames=2)
    assert calls == [Partition(partition)]


@pytest.mark.parametrize("partition", PARTITIONS)
def test_the_run_step_never_maps(monkeypatch, partition):
    """After planning, every mapper entry point raises; elaborate, run and summarize still
    give exactly what `simulate` gives."""
    net, soc = network(), config(partition)
    expected = socsim.simulate(net, soc, frames=2)
    program = plan(net, soc)

    def mapper(*args, **kwargs):
        raise AssertionError("the run step mapped a layer")

    for name in ("map_one", "map_network", "map_layer", "choose_dataflow", "split_channels"):
        monkeypatch.setattr(planning, name, mapper)
    stream = Arrival.of(None)
    machine = elaborate(soc, program)
    log = run(machine, 2, stream)
    result = summarize(net, soc, program, machine.units, log, stream)
    assert result.summary == expected.summary
    assert result.events.equals(expected.events)
    assert result.program == expected.program


@pytest.mark.parametrize("partition", PARTITIONS)
def test_the_program_is_plain_data(partition):
    """Equal inputs plan equal programs; a program survives pickle unchanged."""
    first, second = plan(network(), config(partition)), plan(network(), config(partition))
    assert first == second
    assert pickle.loads(pickle.dumps(first)) == first


def test_the_program_holds_each_partitions_schedule():
    """3 clusters: pipeline segments cover the 4 layers in order; channel shares deal 7
    filters as 3+2+2, 7 depthwise groups as 3+2+2, 5 filters as 2+2+1, 3 outputs as 1+1+1;
    one cluster has nothing to split, so it runs whole frames."""
    net = network()
    piped = plan(net, config("pipeline", 3))
    assert piped.partition is Partition.PIPELINE and piped.shares == ()
    assert [i for segment in piped.segments for i in segment] == [0, 1, 2, 3]
    assert [i for c in range(3) for i, _ in piped.layers_of(c)] == [0, 1, 2, 3]
    split = plan(net, config("channels", 3))
    assert [[m.layer.c_out for m in parts] for parts in split.shares] == [
        [3, 2, 2],
        [3, 2, 2],
        [2, 2, 1],
        [1, 1, 1],
    ]
    assert [m.layer.groups for m in split.shares[1]] == [3, 2, 2]
    alone = plan(net, config("channels", 1))
    assert alone.partition is Partition.FRAMES and alone.ran == tuple((m,) for m in alone.mappings)


def test_layers_compute_cycles_are_what_ran():
    """Under `channels`, each layer's compute cycles are the sum of its shares' cycles and
    equal the arrays' logged busy time per frame, while some whole-layer mapping differs."""
    result = socsim.simulate(network(), config("channels", 3), frames=2)
    ran = [sum(m.cycles for m in parts) for parts in result.program.ran]
    assert result.layers["compute_cycles"].tolist() == ran
    compute = result.events[result.events["action"] == "compute"]
    busy = (compute["end"] - compute["start"]).groupby(compute["layer"]).sum() / 2
    assert busy.tolist() == ran
    assert ran != [m.cycles for m in result.mappings]
    assert result.work == result.program.work and result.mappings == result.program.mappings


def test_a_program_for_other_clusters_is_refused():
    program = plan(network(), config("pipeline", 2))
    with pytest.raises(ConfigError, match=r"partition=pipeline .* \[2\] .* clusters=3$"):
        Soc(config("pipeline", 3), program)


def test_a_simulation_error_keeps_its_partial_result_through_pickle(monkeypatch):
    transfer = Interconnect.transfer

    def no_writes(self, nbytes, write, *args):  # a broken bus: writes never complete
        if write:
            yield self.env.event()
        yield from transfer(self, nbytes, write, *args)

    monkeypatch.setattr(Interconnect, "transfer", no_writes)
    with pytest.raises(SimulationError) as caught:
        socsim.simulate(network(), config("frames"))
    error = caught.value
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is SimulationError and copy.args == error.args
    assert copy.waits == error.waits and copy.waits
    assert copy.result.events.equals(error.result.events) and len(copy.result.events)
    assert copy.result.program == error.result.program
    assert copy.result.summary["cycles"] == error.result.summary["cycles"] > 0
