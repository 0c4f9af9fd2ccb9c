"""ONNX import and export: hand-built graphs read as the zoo's layers, the zoo survives a round
trip, and every refusal names the node, its op and what was expected."""

import logging
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from socsim.cli import main  # noqa: E402
from socsim.errors import WorkloadError  # noqa: E402
from socsim.workloads.layer import Layer, Op  # noqa: E402
from socsim.workloads.load import load_network  # noqa: E402
from socsim.workloads.network import INPUT, Network, NetworkBuilder  # noqa: E402
from socsim.workloads.onnx_io import SUPPORTED_OPS, read_onnx, to_onnx, write_onnx  # noqa: E402
from socsim.workloads.zoo import get_network, model_names  # noqa: E402


class Graph:
    """Builds an NCHW graph the way exporters do: Conv, then BatchNormalization and Relu."""

    def __init__(self, shape: tuple[int, int, int], batch: int | str = 1) -> None:
        self.nodes: list = []
        self.initializers: list = []
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, *shape])
        self.channels = {"x": shape[0]}
        self.rng = np.random.default_rng(0)

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], name: str, channels: int = 0, **attrs) -> str:
        out = f"{name}:out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        self.channels[out] = channels or self.channels[inputs[0]]
        return out

    def conv(self, name: str, x: str, c_out: int, k, stride=1, pad=(0, 0), groups=1,
             bn=True, relu="Relu", bias=False, **attrs) -> str:  # fmt: skip
        k_h, k_w = (k, k) if isinstance(k, int) else k
        shape = (c_out, self.channels[x] // groups, k_h, k_w)
        inputs = [x, self.const(f"{name}.w", self.rng.random(shape, dtype=np.float32))]
        if bias:
            inputs.append(self.const(f"{name}.b", np.zeros(c_out, np.float32)))
        attrs = {"strides": [stride] * 2, "group": groups, **attrs}
        if "auto_pad" not in attrs:  # ONNX allows one of the two
            attrs.setdefault("pads", [*pad, *pad])
        y = self.node("Conv", inputs, name, c_out, kernel_shape=[k_h, k_w], **attrs)
        if bn:
            stats = [self.const(f"{name}.bn.{s}", np.ones(c_out, np.float32)) for s in "sbmv"]
            y = self.node("BatchNormalization", [y, *stats], f"{name}/bn")
        if relu == "Relu":
            y = self.node("Relu", [y], f"{name}/relu")
        elif relu == "Clip":  # ReLU6, as MobileNets export it
            bounds = [self.const(f"{name}.{b}", np.float32(v)) for b, v in (("lo", 0), ("hi", 6))]
            y = self.node("Clip", [y, *bounds], f"{name}/relu6")
        return y

    def model(self, *outputs: str) -> "onnx.ModelProto":
        graph = helper.make_graph(
            self.nodes, "hand", [self.input],
            [helper.make_empty_tensor_value_info(o) for o in outputs],
            self.initializers,
        )  # fmt: skip
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        # Outputs need a type: take them from shape inference, leaving the rest to read_onnx.
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        model.graph.ClearField("output")
        model.graph.output.extend(inferred.graph.output)
        onnx.checker.check_model(model, full_check=True)
        return model


def zoo_layers(model: str, names: list[str], src: str) -> list[Layer]:
    """The zoo's layers `names`, reading the network input where they read `src`, untagged
    (a hand-built graph has no stages or blocks)."""
    network = get_network(model)
    return [
        replace(
            network.layer(name),
            inputs=tuple(INPUT if i == src else i for i in network.layer(name).inputs),
            stage=None,
            block=None,
        )
        for name in names
    ]


def assert_same_layers(network: Network, expected: list[Layer]) -> None:
    assert list(network.layers) == expected
    assert network.macs == sum(layer.macs for layer in expected)
    assert network.params == sum(layer.params for layer in expected)


# -- hand-built graphs read as the zoo's layers ------------------------------------------------


def test_squeezenext_block_reads_as_the_zoos() -> None:
    """1.0-SqNxt-23's first block: shortcut conv, two 1x1 reductions, 3x1 then 1x3, expand, add."""
    g = Graph((64, 55, 55))
    shortcut = g.conv("b1_shortcut", "x", 32, 1, relu="")
    y = g.conv("b1_reduce1", "x", 16, 1)
    y = g.conv("b1_reduce2", y, 8, 1)
    y = g.conv("b1_sep3x1", y, 16, (3, 1), pad=(1, 0))
    y = g.conv("b1_sep1x3", y, 16, (1, 3), pad=(0, 1))
    y = g.conv("b1_expand", y, 32, 1, relu="")
    out = g.node("Relu", [g.node("Add", [shortcut, y], "b1_add")], "b1_relu")
    names = ["b1_shortcut", "b1_reduce1", "b1_reduce2", "b1_sep3x1", "b1_sep1x3", "b1_expand",
             "b1_add"]  # fmt: skip
    assert_same_layers(read_onnx(g.model(out)), zoo_layers("1.0-SqNxt-23", names, "pool1"))


def test_fire_module_reads_as_the_zoos() -> None:
    """SqueezeNet v1.0's fire2: squeeze, then expand 1x1 and 3x3 concatenated (Caffe: biases)."""
    g = Graph((96, 55, 55))
    s = g.conv("fire2/squeeze1x1", "x", 16, 1, bn=False, bias=True)
    e1 = g.conv("fire2/expand1x1", s, 64, 1, bn=False, bias=True)
    e3 = g.conv("fire2/expand3x3", s, 64, 3, pad=(1, 1), bn=False, bias=True)
    out = g.node("Concat", [e1, e3], "fire2/concat", 128, axis=1)
    names = ["fire2/squeeze1x1", "fire2/expand1x1", "fire2/expand3x3", "fire2/concat"]
    assert_same_layers(read_onnx(g.model(out)), zoo_layers("SqueezeNet-v1.0", names, "pool1"))


def test_depthwise_separable_pair_reads_as_the_zoos() -> None:
    """MobileNet's dw2/pw2: a strided depthwise 3x3 (groups = channels), then a pointwise 1x1."""
    g = Graph((64, 112, 112))
    y = g.conv("dw2", "x", 64, 3, stride=2, pad=(1, 1), groups=64, relu="Clip")
    out = g.conv("pw2", y, 128, 1, relu="Clip")
    assert_same_layers(read_onnx(g.model(out)), zoo_layers("MobileNet", ["dw2", "pw2"], "pw1"))


def test_residual_block_reads_as_the_zoos() -> None:
    """ResNet-18's layer2.0: two 3x3 convs, a strided 1x1 downsample, the add, then ReLU."""
    g = Graph((64, 56, 56))
    y = g.conv("layer2.0.conv1", "x", 128, 3, stride=2, pad=(1, 1))
    y = g.conv("layer2.0.conv2", y, 128, 3, pad=(1, 1), relu="")
    shortcut = g.conv("layer2.0.downsample", "x", 128, 1, stride=2, relu="")
    out = g.node("Relu", [g.node("Add", [shortcut, y], "layer2.0.add")], "layer2.0.relu")
    names = ["layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample", "layer2.0.add"]
    assert_same_layers(read_onnx(g.model(out)), zoo_layers("ResNet-18", names, "layer1.1.add"))


def test_classifier_head_matmul_with_bias_add_is_one_fc() -> None:
    """Global pool, Flatten, MatMul by a constant and Add of a constant bias: pool and fc."""
    g = Graph((128, 7, 7), batch="N")
    y = g.node("GlobalAveragePool", ["x"], "pool")
    y = g.node("Flatten", [y], "flatten", axis=1)
    y = g.node("MatMul", [y, g.const("w", np.zeros((128, 10), np.float32))], "fc", 10)
    y = g.node("Add", [y, g.const("b", np.zeros(10, np.float32))], "bias")
    out = g.node("Softmax", [y], "prob", axis=1)
    b = NetworkBuilder("expected", (128, 7, 7))
    b.fc("fc", b.global_avgpool("pool", INPUT), 10)
    assert_same_layers(read_onnx(g.model(out)), list(b.build().layers))


def test_activation_of_one_tensor_is_folded_but_a_product_of_two_is_not() -> None:
    """x * sigmoid(x) (SiLU) is an activation; x * sigmoid(y), as in squeeze-excitation, is work."""
    g = Graph((8, 4, 4))
    y = g.conv("conv1", "x", 8, 1, bn=False, relu="")
    y = g.node("Mul", [y, g.node("Sigmoid", [y], "sigmoid")], "silu")
    out = g.conv("conv2", y, 8, 1, bn=False, relu="")
    assert [layer.inputs for layer in read_onnx(g.model(out))] == [(INPUT,), ("conv1",)]
    g.node("Mul", [out, g.node("Sigmoid", ["x"], "gate")], "excite")
    with pytest.raises(WorkloadError, match=r"node 'excite' \(Mul\): op type 'Mul' is not"):
        read_onnx(g.model("excite:out"))


def test_reduce_mean_over_height_and_width_is_a_global_pool() -> None:
    """PyTorch exports ``x.mean((2, 3))`` as ReduceMean; over the channels it is refused."""
    g = Graph((8, 5, 5))
    out = g.node("ReduceMean", ["x"], "mean", axes=[2, 3], keepdims=0)
    b = NetworkBuilder("expected", (8, 5, 5))
    b.global_avgpool("mean", INPUT)
    assert_same_layers(read_onnx(g.model(out)), list(b.build().layers))
    g = Graph((8, 5, 5))
    out = g.node("ReduceMean", ["x"], "mean", axes=[1])
    with pytest.raises(WorkloadError, match=re.escape("reduces [8, 5, 5] to [1, 1, 5, 5]")):
        read_onnx(g.model(out))


def test_fc_reads_the_whole_tensor_flattened_into_it() -> None:
    """Gemm (transB) after Reshape of a 16x3x3 map: an fc with a 3x3 kernel over 16 channels."""
    g = Graph((16, 3, 3))
    y = g.node("Reshape", ["x", g.const("shape", np.array([1, -1], np.int64))], "reshape")
    out = g.node("Gemm", [y, g.const("w", np.zeros((8, 144), np.float32))], "fc", 8, transB=1)
    [fc] = read_onnx(g.model(out)).layers
    assert (fc.op, fc.in_shape, fc.k_h, fc.k_w, fc.c_out) == (Op.FC, (16, 3, 3), 3, 3, 8)


def test_same_auto_padding_becomes_symmetric_padding() -> None:
    g = Graph((8, 16, 16))
    out = g.conv("conv", "x", 8, 3, auto_pad="SAME_UPPER")
    [conv] = read_onnx(g.model(out)).layers
    assert (conv.pad_h, conv.pad_w, conv.out_shape) == (1, 1, (8, 16, 16))


def test_node_names_are_cleaned_unique_and_never_empty() -> None:
    g = Graph((3, 8, 8))
    y = g.conv("/features/0/Conv", "x", 4, 1, bn=False, relu="")
    y = g.conv("/features/0/Conv ", y, 4, 1, bn=False, relu="")
    out = g.conv("", y, 4, 1, bn=False, relu="")
    network = read_onnx(g.model(out))
    assert [layer.name for layer in network] == [
        "features/0/Conv", "features/0/Conv_2", "Conv_2",
    ]  # fmt: skip


# -- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", model_names())
def test_zoo_network_round_trips_through_onnx(name: str) -> None:
    """Written with random weights, the graph is valid ONNX and reads back the same layers,
    stage and block tags included."""
    network = get_network(name)
    model = to_onnx(network)
    onnx.checker.check_model(model, full_check=True)  # full: strict shape inference too
    back = read_onnx(model)
    assert back.layers == network.layers
    assert (back.input_shape, back.macs, back.params) == (
        network.input_shape,
        network.macs,
        network.params,
    )


def test_layers_reading_from_memory_round_trip_as_extra_graph_inputs(tmp_path: Path) -> None:
    """A layer with inputs=() (a SCALE-Sim row that fits nothing) becomes a graph input."""
    first = Layer(name="c1", op="conv", c_in=3, h_in=8, w_in=8, c_out=4, k_h=3, k_w=3,
                  inputs=(INPUT,))  # fmt: skip
    loose = Layer(name="c2", op="conv", c_in=5, h_in=4, w_in=4, c_out=2, k_h=1, k_w=1)
    fc = Layer(name="fc", op="fc", c_in=2, h_in=4, w_in=4, c_out=3, inputs=("c2",))
    conv = Layer(name="after_fc", op="conv", c_in=3, h_in=1, w_in=1, c_out=3, inputs=("fc",))
    network = Network("loose", (3, 8, 8), (first, loose, fc, conv))
    write_onnx(network, tmp_path / "loose.onnx")
    model = onnx.load(tmp_path / "loose.onnx")
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["input", "c2.ifmap"]
    assert read_onnx(tmp_path / "loose.onnx").layers == network.layers


def test_ceil_mode_pool_that_onnx_would_round_up_is_written_in_floor_mode() -> None:
    """3x3 input, 2x2/2 pad 1: ONNX's ceil mode gives 3 (a window in the padding), socsim's 2,
    which floor mode gives too; the shapes survive, the ceil_mode flag does not."""
    b = NetworkBuilder("pool", (4, 3, 3))
    b.maxpool("pool", INPUT, 2, stride=2, pad=1, ceil_mode=True)
    network = b.build()
    [pool] = read_onnx(to_onnx(network)).layers
    assert pool == replace(network.layers[0], ceil_mode=False)
    assert pool.out_shape == (4, 2, 2)


def test_ceil_mode_pool_padded_by_its_kernel_size_is_refused_on_export() -> None:
    """Padded by the kernel size, socsim's ceil mode gives fewer outputs than even floor mode."""
    b = NetworkBuilder("pool", (4, 2, 2))
    b.maxpool("pool", INPUT, 2, stride=1, pad=2, ceil_mode=True)  # 4x4; floor mode: 5x5
    with pytest.raises(WorkloadError, match="layer 'pool': a ceil-mode pool padded by 2x2"):
        to_onnx(b.build())


# -- refusals --------------------------------------------------------------------------------


def test_unsupported_op_names_the_node_the_op_and_the_supported_ops() -> None:
    g = Graph((4, 8, 8))
    y = g.conv("conv", "x", 4, 1)
    out = g.node("LpNormalization", [y], "weird", axis=1)
    with pytest.raises(WorkloadError) as err:
        read_onnx(g.model(out))
    message = str(err.value)
    assert "node 'weird' (LpNormalization): op type 'LpNormalization' is not supported" in message
    assert ", ".join(SUPPORTED_OPS) in message
    assert "--skip-unsupported" in message


def test_skip_unsupported_counts_a_same_size_node_as_free_and_warns(caplog) -> None:
    g = Graph((4, 8, 8))
    y = g.conv("conv1", "x", 4, 1)
    y = g.node("LpNormalization", [y], "weird", axis=1)
    out = g.conv("conv2", y, 4, 1)
    with caplog.at_level(logging.WARNING, logger="socsim.workloads.onnx_io"):
        network = read_onnx(g.model(out), skip_unsupported=True)
    assert [(layer.name, layer.inputs) for layer in network] == [
        ("conv1", (INPUT,)), ("conv2", ("conv1",)),
    ]  # fmt: skip
    assert "skipped 1 unsupported node(s), counted as free: weird (LpNormalization)" in caplog.text


def test_skip_unsupported_still_refuses_a_node_that_changes_the_size() -> None:
    g = Graph((4, 8, 8))
    pads = g.const("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))
    out = g.conv("conv", g.node("Pad", ["x", pads], "pad"), 4, 3)
    with pytest.raises(WorkloadError, match=r"node 'pad' \(Pad\): cannot skip it: its output"):
        read_onnx(g.model(out), skip_unsupported=True)


@pytest.mark.parametrize(
    ("attrs", "fragment"),
    [
        ({"dilations": [2, 2]}, "node 'conv' (Conv): dilations=[2, 2], expected all 1"),
        ({"pads": [1, 1, 0, 0]}, "node 'conv' (Conv): pads=[1, 1, 0, 0], "
         "expected symmetric padding"),
        ({"strides": [2, 1]}, "strides=[2, 1], expected two equal strides"),
        ({"auto_pad": "SAME_UPPER", "stride": 2},
         "auto_pad=SAME_UPPER pads height and width by 1 and 1 in all, expected even totals"),
    ],
)  # fmt: skip
def test_conv_attributes_socsim_cannot_model_are_refused(attrs: dict, fragment: str) -> None:
    g = Graph((4, 10, 10))
    out = g.conv("conv", "x", 4, 3, bn=False, relu="", **attrs)
    with pytest.raises(WorkloadError, match=re.escape(fragment)):
        read_onnx(g.model(out))


def test_ceil_mode_pool_where_onnx_and_socsim_disagree_is_refused() -> None:
    g = Graph((4, 3, 3))
    out = g.node("MaxPool", ["x"], "pool", kernel_shape=[2, 2], strides=[2, 2],
                 pads=[1, 1, 1, 1], ceil_mode=1)  # fmt: skip
    with pytest.raises(WorkloadError) as err:
        read_onnx(g.model(out))
    assert "node 'pool' (MaxPool): ONNX shape inference gives output [1, 4, 3, 3], " in str(
        err.value
    )
    assert "socsim's maxpool layer gives [4, 2, 2]; in ceil mode socsim drops" in str(err.value)


def test_conv_reading_a_reshaped_tensor_is_refused() -> None:
    g = Graph((4, 4, 4))
    y = g.node("Reshape", ["x", g.const("s", np.array([1, 16, 2, 2], np.int64))], "view")
    out = g.conv("conv", y, 4, 1, bn=False, relu="")
    with pytest.raises(WorkloadError, match="a reshape of the network input"):
        read_onnx(g.model(out))


def test_batch_other_than_one_is_refused() -> None:
    g = Graph((4, 8, 8), batch=2)
    out = g.conv("conv", "x", 4, 1)
    with pytest.raises(WorkloadError, match=r"input 'x' has shape \[2, 4, 8, 8\], expected"):
        read_onnx(g.model(out))


def test_missing_and_malformed_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(WorkloadError, match="no.onnx: no such file, expected an ONNX model"):
        load_network(tmp_path / "no.onnx")
    (tmp_path / "text.onnx").write_text("not a model")
    with pytest.raises(WorkloadError, match="text.onnx: cannot read"):
        load_network(tmp_path / "text.onnx")


def test_without_the_onnx_package_the_error_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(WorkloadError, match=re.escape("pip install 'socsim[onnx]'")):
        load_network("model.onnx")


# -- the command line ------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_writes_a_zoo_network_as_onnx_and_reads_it_back(capsys, tmp_path: Path) -> None:
    target = tmp_path / "sqnxt.onnx"
    assert run(capsys, "layers", "1.0-SqNxt-23", "--format", "onnx", "--out", str(target)) == (
        0, "", "",
    )  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["sqnxt.onnx"]  # no temporary left
    status, out, _ = run(capsys, "layers", str(target), "--format", "csv")
    assert status == 0
    network = get_network("1.0-SqNxt-23")
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == [x.name for x in network]


def test_cli_onnx_format_needs_out(capsys) -> None:
    status, out, err = run(capsys, "layers", "AlexNet", "--format", "onnx")
    assert (status, out) == (2, "")
    assert err == "socsim: error: --format onnx writes a binary file, expected --out FILE\n"


def test_cli_unsupported_op_is_one_line_and_skip_unsupported_goes_on(
    capsys, tmp_path: Path
) -> None:
    g = Graph((4, 8, 8))
    out = g.conv("conv2", g.node("LpNormalization", [g.conv("conv1", "x", 4, 1)], "weird"), 4, 1)
    path = tmp_path / "weird.onnx"
    onnx.save(g.model(out), path)
    status, out, err = run(capsys, "layers", str(path))
    assert (status, out) == (2, "")
    assert err.startswith("socsim: error: ") and err.count("\n") == 1
    assert "node 'weird' (LpNormalization)" in err
    status, out, _ = run(capsys, "layers", str(path), "--skip-unsupported", "--format", "csv")
    assert status == 0
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["conv1", "conv2"]


def test_cli_run_simulates_an_onnx_file(capsys, tmp_path: Path) -> None:
    path = tmp_path / "fire.onnx"
    b = NetworkBuilder("fire", (16, 28, 28))
    s = b.conv("squeeze", INPUT, 8, 1)
    b.concat("concat", [b.conv("e1", s, 16, 1), b.conv("e3", s, 16, 3, pad=1)])
    write_onnx(b.build(), path)
    status, out, _ = run(capsys, "run", str(path), "--format", "json")
    assert status == 0
    assert '"macs": ' + str(b.build().macs) in out


def test_external_weights_are_never_read_only_their_shapes(tmp_path: Path) -> None:
    """A model whose weights live in an external file reads the same with that file gone:
    socsim takes shapes only, so a hostile or huge weights file is never opened."""
    network = get_network("AlexNet")
    model = to_onnx(network)
    path = tmp_path / "alexnet.onnx"
    onnx.save_model(
        model, path, save_as_external_data=True, all_tensors_to_one_file=True,
        location="weights.bin", size_threshold=0,
    )  # fmt: skip
    (tmp_path / "weights.bin").unlink()
    assert read_onnx(path).layers == network.layers
