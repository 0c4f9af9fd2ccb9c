"""SCALE-Sim topologies: write then read keeps every conv and fc layer; files read as declared."""

import io
import re
from pathlib import Path

import pytest

from socsim.errors import WorkloadError
from socsim.workloads.layer import Layer, Op
from socsim.workloads.load import load_network
from socsim.workloads.network import INPUT, Network, NetworkBuilder
from socsim.workloads.scalesim import HEADER, read_topology, topology_text, write_topology
from socsim.workloads.zoo import get_network, model_names


def signature(layer: Layer) -> tuple:
    """What SCALE-Sim sees of a layer: padded ifmap, filter, channels, stride, output, work."""
    return (
        layer.name, layer.c_in, layer.h_in + 2 * layer.pad_h, layer.w_in + 2 * layer.pad_w,
        layer.k_h, layer.k_w, layer.stride, layer.groups, layer.out_shape, layer.macs,
        layer.params,
    )  # fmt: skip


def write_file(tmp_path: Path, text: str, name: str = "topo.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def hand_made() -> Network:
    """Padded, strided, 1xK/Kx1, grouped, depthwise, a branch, a pool and an fc."""
    b = NetworkBuilder("hand", (3, 32, 32))
    x = b.conv("stem", INPUT, 16, 3, stride=2, pad=1)
    a = b.conv("wide", x, 24, (1, 3), pad=(0, 1))
    c = b.conv("tall", x, 24, (3, 1), pad=(1, 0), groups=8)
    x = b.add("sum", [a, c])
    x = b.conv("dw", x, 24, 3, pad=1, groups=24)
    x = b.maxpool("pool", x, 2, stride=2)
    b.fc("fc", x, 10)
    return b.build()


# -- round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*model_names(), "hand-made"])
def test_round_trip_keeps_conv_and_fc_layers(tmp_path: Path, name: str) -> None:
    """Every conv/fc comes back with its padded ifmap, filter, groups, output, MACs and params."""
    network = hand_made() if name == "hand-made" else get_network(name)
    path = tmp_path / "net.csv"
    write_topology(network, path)
    back = read_topology(path)
    weighted = [layer for layer in network.layers if layer.has_weights]
    assert [signature(layer) for layer in back.layers] == [signature(layer) for layer in weighted]
    assert back.macs == network.macs
    assert back.name == "net"


def test_round_trip_recovers_padding_and_edges(tmp_path: Path) -> None:
    """Where the producer is written too, the reader finds it and the padding it implies."""
    back = read_topology(write_file(tmp_path, topology_text(hand_made())))
    assert {layer.name: (layer.inputs, layer.pad_h, layer.pad_w) for layer in back.layers} == {
        "stem": ((INPUT,), 0, 0),  # the network input is the first row's padded ifmap
        "wide": (("stem",), 0, 1),
        "tall": (("stem",), 1, 0),
        "dw": (("tall",), 1, 1),  # the add is not written; tall has its shape
        "fc": ((), 0, 0),  # the pool is not written: nothing has fc's input shape
    }


def test_written_text_is_scalesim_format() -> None:
    """Header, padded ifmap, one row per group, fc as the filter covering its ifmap."""
    text = topology_text(hand_made())
    assert text.splitlines() == [
        HEADER,
        "stem,34,34,3,3,3,16,2,",
        "wide,16,18,1,3,16,24,1,",
        *[f"tall_g{i},18,16,3,1,2,3,1," for i in range(8)],
        *[f"dw_g{i},18,18,3,3,1,1,1," for i in range(24)],
        "fc,8,8,8,8,24,10,1,",
    ]


def test_write_to_stream() -> None:
    stream = io.StringIO()
    write_topology(hand_made(), stream)
    assert stream.getvalue() == topology_text(hand_made())


def test_network_without_conv_or_fc_cannot_be_written() -> None:
    b = NetworkBuilder("pools", (3, 8, 8))
    b.maxpool("pool", INPUT, 2, stride=2)
    with pytest.raises(WorkloadError, match=r"network 'pools': no conv or fc layer"):
        topology_text(b.build())


def test_names_scalesim_would_misread_are_refused() -> None:
    b = NetworkBuilder("n", (3, 8, 8))
    b.conv("convDP1", INPUT, 4, 3)
    with pytest.raises(WorkloadError, match=r"layer 'convDP1': name='convDP1', expected no comma"):
        topology_text(b.build())


# -- reading hand-written files -------------------------------------------------------------

HAND_WRITTEN = """\
Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Sparsity,
conv1,  227, 227, 7, 7, 3, 64, 2, 1:1,

fire/squeeze, 55, 55, 1, 1, 64, 16, 1
	fire/expand1x1, 55, 55, 1, 1, 16, 64, 1,
fire/expand3x3, 57, 57, 3, 3, 16, 64, 1, note,
,,,,,,,,
convDP, 57, 57, 3, 3, 64, 2, 1,
head, 13, 13, 13, 13, 128, 1000, 1,
"""


def test_hand_written_file_reads_as_declared(tmp_path: Path) -> None:
    """Padding included in the ifmap; rows connect where an earlier output fits; DP is depthwise."""
    network = read_topology(write_file(tmp_path, HAND_WRITTEN))
    assert network.name == "topo"
    assert network.input_shape == (3, 227, 227)
    got = {
        layer.name: (layer.inputs, layer.in_shape, layer.pad_h, layer.groups, layer.out_shape)
        for layer in network.layers
    }
    assert got == {
        "conv1": ((INPUT,), (3, 227, 227), 0, 1, (64, 111, 111)),
        # conv1 gives 111x111 but the row says 55x55: a pool was left out
        "fire/squeeze": ((), (64, 55, 55), 0, 1, (16, 55, 55)),
        "fire/expand1x1": (("fire/squeeze",), (16, 55, 55), 0, 1, (64, 55, 55)),
        # 57 = 55 + 2 x 1: padded, reading the squeeze (the branch), not expand1x1
        "fire/expand3x3": (("fire/squeeze",), (16, 55, 55), 1, 1, (64, 55, 55)),
        "convDP": (("fire/expand3x3",), (64, 55, 55), 1, 64, (128, 55, 55)),
        "head": ((), (128, 13, 13), 0, 1, (1000, 1, 1)),  # stays a conv covering its ifmap
    }
    assert all(layer.op is Op.CONV for layer in network.layers)
    assert network.layer("convDP").macs == 128 * 55 * 55 * (9 + 1)


def test_only_adjacent_identical_group_rows_merge(tmp_path: Path) -> None:
    text = (
        HEADER
        + "\nx_g0,8,8,3,3,2,4,1,\nx_g1,8,8,3,3,2,4,1,\ny_g0,6,6,3,3,8,4,1,\ny_g1,6,6,1,1,8,4,1,\n"
    )
    network = read_topology(write_file(tmp_path, text))
    assert [(layer.name, layer.c_in, layer.c_out, layer.groups) for layer in network.layers] == [
        ("x", 4, 8, 2),
        ("y_g0", 8, 4, 1),  # y_g1 differs from y_g0: two plain convs
        ("y_g1", 8, 4, 1),
    ]


def test_load_network_dispatches(tmp_path: Path) -> None:
    network = hand_made()
    assert load_network(network) is network
    assert load_network("alexnet").name == "AlexNet"
    assert load_network(write_file(tmp_path, HAND_WRITTEN, "x.CSV")).name == "x"


# -- malformed files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("c1,8,8,3,3,4,8,x,", r"topo.csv line 3: Strides='x', expected a positive integer$"),
        ("c1,8,8,3,3,4,0,1,", r"topo.csv line 3: Num Filter='0', expected a positive integer$"),
        ("c1,8,8,3,3,4,8", r"topo.csv line 3: Strides missing, expected 8 columns: Layer name,"),
        (",8,8,3,3,4,8,1,", r"topo.csv line 3: Layer name='', expected a non-empty name$"),
        ("c1,8,8,3,3,4,8,1,\nc1,8,8,3,3,4,8,1,", r"line 4: Layer name='c1' repeats line 3"),
        ("c1,8,8,3,3,4,8,1,\nc2,4,4,5,5,8,8,1,",
         r"topo.csv line 4: layer 'c2': k_h=5, expected at most the padded input height 4$"),
    ],
)  # fmt: skip
def test_malformed_rows_name_file_line_and_column(tmp_path: Path, rows: str, message: str) -> None:
    path = write_file(tmp_path, f"{HEADER}\n\n{rows}\n")
    with pytest.raises(WorkloadError, match=message) as caught:
        read_topology(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_missing_header_is_refused(tmp_path: Path) -> None:
    path = write_file(tmp_path, "conv1,8,8,3,3,4,8,1,\n")
    with pytest.raises(WorkloadError, match=r"topo.csv line 1: header 'conv1,8,8,3,3,4,8,1,'"):
        read_topology(path)


def test_file_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkloadError, match=r"topo.csv: no layer rows"):
        read_topology(write_file(tmp_path, HEADER + "\n\n"))


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(WorkloadError, match=rf"^{re.escape(str(path))}: no such file"):
        load_network(path)
