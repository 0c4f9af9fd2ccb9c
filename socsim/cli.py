"""The `socsim` command.

Each subcommand is one function that takes the parsed arguments and returns the exit
status, registered with `@command(name, help, *arguments)`; its docstring is its
``--help`` description. Every `SocsimError` and every usage error ends the command with one
line on stderr, ``socsim: error: <message>``, and exit status 2. Only this module configures
logging (``-v``/``--verbose``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from socsim import __version__
from socsim.checks import checked_number
from socsim.components.config import Partition, with_overrides
from socsim.components.presets import (
    DEFAULT_PRESET,
    PRESETS,
    get_preset,
    load_soc,
    reference,
    to_yaml,
)
from socsim.components.stream import Arrival
from socsim.errors import ConfigError, SocsimError
from socsim.limits import MAX_EVENTS, MAX_POINTS, limited, memory_text
from socsim.outputs import OutputDir, check_file, write_file
from socsim.workloads.load import load_network
from socsim.workloads.network import Network
from socsim.workloads.onnx_io import to_onnx
from socsim.workloads.scalesim import topology_text
from socsim.workloads.squeezenext import FIRST_BLOCKS
from socsim.workloads.zoo import get_network, model_names

# pandas, SimPy, matplotlib, Dask and tqdm load in the commands that use them, so that
# `socsim --help` and the listing commands start at once.
if TYPE_CHECKING:
    from socsim.explore import Executor

EXIT_ERROR = 2  # a SocsimError or a usage error
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
FORCE_HELP = (
    "write into DIR although it holds other files; socsim's own earlier files there are "
    "replaced, no other file is ever touched"
)


@dataclass(frozen=True)
class Argument:
    """The arguments of one `argparse.ArgumentParser.add_argument` call."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Argument:
    return Argument(flags, options)


class Later(Sequence):
    """Choices read from `module.name` when argparse first checks a value against them, not
    when the parser is built (give the argument a `metavar`, or argparse reads them then)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> Sequence:
        return getattr(import_module(self.module), self.name)

    def __getitem__(self, index: Any) -> Any:
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one line for `socsim --help`
    arguments: tuple[Argument, ...]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, *arguments: Argument) -> Callable:
    """Register the decorated function as the subcommand `name`."""

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, arguments, run)
        return run

    return register


# -- subcommands ----------------------------------------------------------------------------


@command("models", "list the model zoo with MACs and parameters")
def models(args: argparse.Namespace) -> int:
    """List the zoo, one model a line: name, MACs (millions) and parameters (millions).

    MACs and parameters follow the SqueezeNext paper's convention (one more MAC per
    output, one more parameter per filter, for the bias). There is no header line, so
    `cut` and `awk` see only models.
    """
    rows = []
    for name in model_names():
        network = get_network(name)
        rows.append([name, f"{network.macs / 1e6:.1f}", f"{network.params / 1e6:.2f}"])
    _emit(_align(rows, right={1, 2}))
    return 0


def _layers_table(network: Network) -> str:
    head = ["name", "op", "input", "output", "kernel", "stride", "pad", "groups", "MACs", "params"]
    rows = [head]
    for layer in network.layers:
        pad = str(layer.pad_h) if layer.pad_h == layer.pad_w else f"{layer.pad_h},{layer.pad_w}"
        rows.append([
            layer.name, layer.op.value, "x".join(map(str, layer.in_shape)),
            "x".join(map(str, layer.out_shape)), f"{layer.k_h}x{layer.k_w}", str(layer.stride),
            pad, str(layer.groups), f"{layer.macs:,}", f"{layer.params:,}",
        ])  # fmt: skip
    total = ["total", *[""] * 7, f"{network.macs:,}", f"{network.params:,}"]
    return _align([*rows, total], right={5, 6, 7, 8, 9})


def _layers_json(network: Network) -> str:
    # Through pandas' JSON so that missing stage/block values become null.
    rows = json.loads(network.to_frame().to_json(orient="records"))
    return json.dumps(rows, indent=2) + "\n"


LAYER_FORMATS: dict[str, Callable[[Network], str]] = {
    "table": _layers_table,
    "csv": lambda network: network.to_frame().to_csv(index=False),
    "json": _layers_json,
    "scalesim": topology_text,
}


@command(
    "layers",
    "print a network's layers, one row each",
    arg("network", metavar="MODEL_OR_FILE",
        help="a zoo name (see 'socsim models', any case), a SCALE-Sim topology .csv or an "
        "ONNX model .onnx"),
    arg("--format", choices=[*LAYER_FORMATS, "onnx"], default="table",
        help="table: aligned text with a totals line (default); csv: comma-separated with a "
        "header line; json: a list of objects, one per layer; scalesim: a SCALE-Sim topology "
        "of the conv and fc layers; onnx: an ONNX model with random weights (needs --out)"),
    arg("--out", metavar="FILE",
        help="write to FILE instead of standard output, whole or not at all"),
    arg("--force", action="store_true", help="replace FILE if it exists"),
    arg("--skip-unsupported", action="store_true",
        help="count the ONNX nodes socsim cannot model as free (with a warning) instead of "
        "stopping"),
)  # fmt: skip
def layers(args: argparse.Namespace) -> int:
    """Print every layer of a network, one row each, nothing folded.

    Shapes are channels x height x width; MACs and params follow the SqueezeNext paper's
    convention (the bias counts).
    """
    if args.format == "onnx" and args.out is None:
        raise ConfigError("--format onnx writes a binary file, expected --out FILE")
    network = load_network(args.network, skip_unsupported=args.skip_unsupported)
    if args.format == "onnx":
        write_file(args.out, to_onnx(network).SerializeToString(), force=args.force)
    elif args.out is not None:
        write_file(args.out, LAYER_FORMATS[args.format](network), force=args.force)
    else:
        _emit(LAYER_FORMATS[args.format](network))
    return 0


@command(
    "presets",
    "list the named SoC configurations, or print one with every key",
    arg("--show", metavar="PRESET_OR_YAML",
        help="print that SoC as a YAML SoC file giving every key, with its unit and meaning"),
    arg("--reference", action="store_true",
        help="print the reference of every key as Markdown (docs/config.md)"),
)  # fmt: skip
def presets(args: argparse.Namespace) -> int:
    """List the preset SoCs, one a line: name, PE array, global buffer, clusters, clock.

    Use a name with `socsim run --soc`, or as `base:` in a YAML SoC file. `--show NAME`
    prints the preset resolved as such a file, to copy, edit and load with `--soc`.
    """
    if args.show is not None and args.reference:
        raise ConfigError("--show and --reference print different things, expected one of them")
    if args.show is not None:
        base = args.show.lower() if args.show.lower() in PRESETS else DEFAULT_PRESET
        _emit(to_yaml(load_soc(args.show), base=base))
        return 0
    if args.reference:
        _emit(reference())
        return 0
    rows = []
    for name in PRESETS:
        soc = get_preset(name)
        rows.append([
            name, f"{soc.pe_array.rows}x{soc.pe_array.cols} PEs",
            f"{soc.global_buffer.size_bytes // 1024} KiB buffer", f"{soc.clusters} cluster(s)",
            f"{soc.clock_hz / 1e6:g} MHz",
        ])  # fmt: skip
    _emit(_align(rows, right=set()))
    return 0


@command(
    "run",
    "simulate a network on an SoC",
    arg("network", metavar="MODEL_OR_FILE",
        help="a zoo name (see 'socsim models'), a SCALE-Sim topology .csv or an ONNX model "
        ".onnx"),
    arg("--skip-unsupported", action="store_true",
        help="count the ONNX nodes socsim cannot model as free (with a warning) instead of "
        "stopping"),
    arg("--soc", default=DEFAULT_PRESET, metavar="PRESET_OR_YAML",
        help=f"a preset (see 'socsim presets'; default {DEFAULT_PRESET}), a YAML SoC file "
        "or a SCALE-Sim .cfg (see docs/scalesim.md)"),
    arg("--frames", type=int, default=1, metavar="N", help="frames to run (default 1)"),
    arg("--fps", type=float, metavar="F",
        help="frames arrive at F frames per second (default: all at once); the deadline of "
        "each is one period"),
    arg("--arrival", choices=["periodic", "poisson"], default="periodic",
        help="with --fps: one frame every 1/F s (periodic, default) or exponential gaps "
        "of mean 1/F s (poisson, drawn from --seed)"),
    arg("--seed", type=int, default=0, metavar="S",
        help="seed of the Poisson arrivals (default 0)"),
    arg("--clusters", type=int, metavar="N", help="override the SoC's number of clusters"),
    arg("--partition", choices=[p.value for p in Partition],
        help="override how work is spread over clusters"),
    arg("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
        help="override a key of the SoC, dotted as in its YAML (schedule.fusion=none); "
        "repeatable"),
    arg("--format", choices=["table", "json"], default="table",
        help="table: aligned summary (default); json: the summary as one JSON object"),
    arg("--out", metavar="DIR",
        help="also write events.parquet, layers.csv and summary.json to DIR, all or nothing; "
        "DIR must be new, empty or an earlier 'socsim run' output"),
    arg("--trace", metavar="FILE.json",
        help="also write a Chrome/Perfetto trace (open it in ui.perfetto.dev): a track per "
        "unit, a process per cluster"),
    arg("--timeline", metavar="FILE.png",
        help="also draw every unit's activity over time (.png, .svg or .pdf)"),
    arg("--force", action="store_true",
        help=f"{FORCE_HELP}; replace an existing --trace or --timeline file"),
    arg("--max-events", type=int, metavar="N",
        help=f"refuse a run estimated past N events (default {MAX_EVENTS:,}, about "
        f"{memory_text(MAX_EVENTS)}; or set SOCSIM_MAX_EVENTS)"),
)  # fmt: skip
def run(args: argparse.Namespace) -> int:
    """Simulate MODEL_OR_FILE on an SoC and print the summary.

    cycles is the time from the first frame's arrival to the last frame's finish; seconds
    follow from the SoC clock; latencies are in seconds; energy is per level in the energy
    table's unit (the SqueezeNext paper's normalised units by default: one MAC = 1).
    offered_fps is the arrival rate, achieved_fps the frames finished per second (a
    stream's in its steady state), capacity_fps what the SoC would sustain; busy.* is each
    unit's busy fraction, and bound and verdict name the resource closest to saturation
    (see docs/events.md). -v logs each frame as it finishes.
    """
    output = OutputDir(args.out, "run", force=args.force) if args.out else None
    files = _run_files(args)
    if args.arrival == "poisson" and args.fps is None:
        raise ConfigError("--arrival poisson needs --fps F, the mean frame rate")
    arrival = None if args.fps is None else Arrival(kind=args.arrival, fps=args.fps)
    soc = load_soc(args.soc)
    overrides = {"clusters": args.clusters, "partition": args.partition}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    soc = with_overrides(soc, {**overrides, **settings(args.settings)})
    network = load_network(args.network, skip_unsupported=args.skip_unsupported)
    from socsim.simulation import simulate

    with limited(max_events=args.max_events):
        result = simulate(network, soc, frames=args.frames, arrival=arrival, seed=args.seed)
    if output:
        _write_run(output, result)
    if "trace" in files:
        from socsim.report.trace import write_chrome_trace

        write_chrome_trace(result, files["trace"])
    if "timeline" in files:
        from socsim.report.plots import plot_timeline  # matplotlib: only when drawing

        plot_timeline(result, files["timeline"])
    figures = _figures(result)
    if args.format == "json":
        _emit(json.dumps(figures, indent=2) + "\n")
    else:
        _emit(_summary_table(figures))
    return 0


def _figures(result: Any) -> dict[str, Any]:
    """What `run` prints and writes: the summary, then what bounds the run (`Result.bounds`)."""
    return {**result.summary, **result.bounds}


TIMELINE_FORMATS = (".png", ".svg", ".pdf")


def _run_files(args: argparse.Namespace) -> dict[str, Path]:
    """The --trace and --timeline files given, checked before the run is simulated."""
    files = {}
    if args.timeline is not None and Path(args.timeline).suffix.lower() not in TIMELINE_FORMATS:
        raise ConfigError(
            f"--timeline={args.timeline!r}, expected a file ending in "
            + ", ".join(TIMELINE_FORMATS)
        )
    for name in ("trace", "timeline"):
        if getattr(args, name) is not None:
            files[name] = check_file(getattr(args, name), force=args.force, flag=f"--{name}")
    return files


def _summary_table(summary: dict[str, Any]) -> str:
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict):
            rows += [[f"{key}.{k}", _number(v)] for k, v in value.items()]
        else:
            rows.append([key, _number(value)])
    return _align(rows, right=set())


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _write_run(output: OutputDir, result: Any) -> None:
    """Writes the run's events, layers and summary into `output`, all or nothing."""
    with output.write() as tmp:
        result.events.to_parquet(tmp / "events.parquet", index=False)
        result.layers.to_csv(tmp / "layers.csv")
        (tmp / "summary.json").write_text(json.dumps(_figures(result), indent=2) + "\n")


MAX_POINTS_ARGUMENT = arg(
    "--max-points", type=int, metavar="N",
    help=f"refuse more than N design points, counted before any is built (default "
    f"{MAX_POINTS:,}; or set SOCSIM_MAX_POINTS)",
)  # fmt: skip
_EXECUTOR_ARGUMENTS = (
    arg("--workers", type=int, metavar="N",
        help="run on N local processes (default: one per CPU; 1 runs in this process)"),
    arg("--dask-workers", type=int, metavar="N",
        help="run on a new local Dask cluster of N single-threaded processes"),
    arg("--scheduler", metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); its "
        "workers need socsim installed"),
)  # fmt: skip


def _executor(args: argparse.Namespace) -> Executor:
    given = [flag for flag, value in (("--workers", args.workers),
             ("--dask-workers", args.dask_workers), ("--scheduler", args.scheduler))
             if value is not None]  # fmt: skip
    if len(given) > 1:
        raise ConfigError(f"{' and '.join(given)} are both set, expected at most one")
    from socsim.explore import make_executor

    return make_executor(args.workers, args.dask_workers, args.scheduler)


@command(
    "sweep",
    "run a design-space sweep in parallel into a resumable dataset",
    arg("spec", metavar="SPEC",
        help="a YAML sweep spec: networks, base, and a grid and/or random section of "
        "dotted config paths (see examples/sweep_*.yaml)"),
    arg("--out", required=True, metavar="DIR",
        help="the dataset: DIR/parts/*.parquet (one row per point), DIR/spec.yaml, "
        "DIR/pareto.csv and DIR/pareto.png; DIR must be new, empty or a sweep's dataset"),
    arg("--force", action="store_true", help=FORCE_HELP),
    *_EXECUTOR_ARGUMENTS,
    arg("--retry-errors", action="store_true",
        help="also rerun the points DIR records as failed"),
    MAX_POINTS_ARGUMENT,
)  # fmt: skip
def sweep_command(args: argparse.Namespace) -> int:
    """Run every design point of SPEC (one network on the base SoC with one combination of
    settings) and keep one row per point in DIR.

    The whole spec is checked before anything runs. Rows reach DIR as points finish, each
    batch written whole or not at all, so running the same command again after an
    interruption computes only the missing points; a point that fails records its error
    and the sweep goes on. A progress bar shows on stderr when it is a terminal. At the
    end, prints the Pareto front in time, energy and parameters and writes it to
    DIR/pareto.csv and DIR/pareto.png.
    """
    from socsim.explore import load_spec, sweep, sweep_report

    with limited(max_points=args.max_points):
        spec = load_spec(args.spec)
    with _executor(args) as executor:
        result = sweep(
            spec, args.out, executor=executor, retry_errors=args.retry_errors, progress=None,
            force=args.force,
        )  # fmt: skip
    _emit(sweep_report(result))
    if len(result.errors):
        print(f"socsim: warning: {len(result.errors)} points failed; their rows have the "
              "error (rerun with --retry-errors)", file=sys.stderr)  # fmt: skip
    return 0


def _count(text: str) -> float:
    """A count with an optional k or M suffix: 900000, 9e5, 900k, 0.9M."""
    scale = {"k": 1e3, "m": 1e6}.get(text[-1:].lower(), 1)
    try:
        return float(text[:-1] if scale != 1 else text) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count (e.g. 900000, 0.9M)") from None


@command(
    "codesign",
    "search SqueezeNext depth distributions for an SoC",
    arg("--soc", default=DEFAULT_PRESET, metavar="PRESET_OR_YAML",
        help=f"the hardware: a preset (default {DEFAULT_PRESET}) or a YAML SoC file"),
    arg("--blocks", type=int, default=21, metavar="N",
        help="blocks to deal to the four stages, at least one each (default 21, as in "
        "SqNxt-23: 1,140 distributions)"),
    arg("--objective", choices=Later("socsim.explore.codesign", "OBJECTIVES"), default="time",
        metavar="OBJECTIVE", help="rank by time (default), energy, or edp (their product)"),
    arg("--max-params", type=_count, metavar="M",
        help="leave out designs with more than M parameters (e.g. 0.94M, v5's count)"),
    arg("--conv1-k", type=int, nargs="+", default=[5], metavar="K",
        help="conv1 kernel sizes to search (default 5, as in v2 to v5)"),
    arg("--width", type=float, nargs="+", default=[1.0], metavar="W",
        help="width multipliers to search (default 1.0)"),
    arg("--first-block", nargs="+", choices=list(FIRST_BLOCKS), default=["projection"],
        help="first-block styles to search (default projection, as in v5)"),
    arg("--top", type=int, default=10, metavar="N", help="designs to print (default 10)"),
    arg("--out", metavar="DIR",
        help="keep every result in a dataset in DIR; rerunning resumes from it; DIR must be "
        "new, empty or an earlier codesign's dataset"),
    arg("--force", action="store_true", help=FORCE_HELP),
    *_EXECUTOR_ARGUMENTS,
    MAX_POINTS_ARGUMENT,
)  # fmt: skip
def codesign_command(args: argparse.Namespace) -> int:
    """Simulate every SqueezeNext with --blocks blocks dealt to its four stages on one SoC,
    and print the best designs beside the paper's variants (v1 to v5) on the same SoC.

    time_x is cycles over the fastest network printed, as the paper normalises; energy is
    per frame in the energy table's unit; parameters and MACs count the bias, as the
    paper does.
    """
    from socsim.explore import ResultStore, codesign, codesign_report
    from socsim.explore.store import PARTS

    checked_number("--top", args.top, quantity="integer", low=1, integer=True)
    soc = load_soc(args.soc)
    store = None
    if args.out:
        OutputDir(args.out, "codesign", force=args.force).claim([PARTS])
        store = ResultStore(args.out)
    with _executor(args) as executor, limited(max_points=args.max_points):
        result = codesign(
            soc, blocks=args.blocks, objective=args.objective, max_params=args.max_params,
            conv1_ks=args.conv1_k, widths=args.width, first_blocks=args.first_block,
            executor=executor, store=store, progress=None,
        )  # fmt: skip
    _emit(f"codesign on {soc.name}: " + codesign_report(result, args.top))
    return 0


@command(
    "paper",
    "reproduce the SqueezeNext paper's Table 3 on both Squeezelerator presets",
    arg("--format", choices=["table", "csv", "markdown"], default="table",
        help="table: aligned text (default); csv: one row per network, simulated beside "
        "paper values; markdown: tables for a report"),
    arg("--out", metavar="DIR",
        help="also write the tables, the figures and report.html to DIR, all or nothing; "
        "DIR must be new, empty or an earlier 'socsim paper' output"),
    arg("--force", action="store_true", help=FORCE_HELP),
    arg("--workers", type=int, default=2, metavar="N",
        help="simulate in N processes (default 2)"),
    arg("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
        help="override a key of the SoC, dotted as in its YAML (schedule.fusion=none); "
        "repeatable"),
)  # fmt: skip
def paper(args: argparse.Namespace) -> int:
    """Simulate every network of the paper's Table 3 on squeezelerator-8x8 and -16x16 and
    print simulated and paper values side by side.

    Time is normalised per preset by the fastest network of the table, as in the paper;
    energy is in the paper's units (Eyeriss costs: one MAC = 1, DRAM = 200 per word). Below
    the table: Spearman rank correlation and median and worst error per preset, and the
    paper's headline comparison (1.0-SqNxt-23v5 against 1.0-SqNxt-23 on 16x16), and the
    execution schedule each preset ran (`--set schedule.fusion=none` runs layer by layer).
    """
    from tqdm import tqdm

    from socsim.explore.executors import MAX_WORKERS
    from socsim.report.paper import COLUMNS, TABLE3, render_text, reproduce, write_report
    from socsim.report.paper import PRESETS as PAPER_PRESETS

    checked_number(
        "--workers", args.workers, quantity="integer", low=1, high=MAX_WORKERS, integer=True
    )
    overrides = settings(args.settings)
    for preset in PAPER_PRESETS.values():  # bad keys fail before any simulation starts
        with_overrides(get_preset(preset), overrides)
    output = OutputDir(args.out, "paper", force=args.force) if args.out else None
    # disable=None: a bar only when stderr is a terminal, never drawn into a pipe or a log.
    bar = tqdm(total=2 * len(TABLE3), desc="simulating", unit="run", file=sys.stderr, disable=None)
    with bar:
        reproduction = reproduce(
            args.workers, lambda done, total: bar.update(done - bar.n), overrides
        )
    if output:
        write_report(reproduction, output)
    if args.format == "csv":
        _emit(reproduction.table[COLUMNS].to_csv(index=False))
    else:
        _emit(render_text(reproduction, markdown=args.format == "markdown"))
    return 0


def settings(pairs: list[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` pairs as overrides, each value read as YAML reads it (0.5, none)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}, expected KEY=VALUE such as schedule.fusion=none")
        overrides[key.strip()] = yaml.safe_load(value) if value.strip() else value
    return overrides


# -- output ---------------------------------------------------------------------------------


def _align(rows: list[list[str]], right: set[int]) -> str:
    """Rows as columns two spaces apart; the columns in `right` are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def _emit(text: str) -> None:
    sys.stdout.write(text)


# -- parser and entry point -----------------------------------------------------------------


class _UsageError(Exception):
    """A command line argparse rejects."""


class _Parser(argparse.ArgumentParser):
    """Raises on a usage error instead of printing the usage and exiting, so `main` reports it."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="socsim",
        description="Simulate neural-network accelerator SoCs on CNN workloads.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log progress on stderr; -vv for debugging detail")  # fmt: skip
    parser.add_argument("--version", action="version", version=f"socsim {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        sub = subparsers.add_parser(
            cmd.name, help=cmd.help, description=inspect.getdoc(cmd.run),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        for argument in cmd.arguments:
            sub.add_argument(*argument.flags, **argument.options)
        sub.set_defaults(run=cmd.run)
    return parser


def _dask_warnings_only(record: logging.LogRecord) -> bool:
    """Drops Dask's INFO records (dozens per local cluster: every scheduler, nanny and
    connection step) unless debugging; Dask sets its own loggers' levels, so a filter."""
    return record.levelno >= logging.WARNING or not record.name.startswith("distributed")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `socsim` command line `argv` (default: `sys.argv[1:]`); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("socsim: %(levelname)s: %(name)s: %(message)s"))
        if args.verbose < 2:
            handler.addFilter(_dask_warnings_only)
        logging.basicConfig(level=level, handlers=[handler])
        status = args.run(args)
        sys.stdout.flush()  # here, so a closed pipe is reported below and not at exit
        return status
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except (SocsimError, _UsageError) as err:
        message = str(err).replace("\n", " ")
        print(f"socsim: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader left (`socsim layers X | head`): stop quietly, and point stdout at
        # /dev/null so that Python's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("socsim: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT
