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
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socsim import __version__
from socsim.errors import ConfigError, SocsimError
from socsim.workloads.load import load_network
from socsim.workloads.network import Network
from socsim.workloads.scalesim import topology_text
from socsim.workloads.zoo import get_network, model_names

EXIT_ERROR = 2  # a SocsimError or a usage error
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


@dataclass(frozen=True)
class Argument:
    """The arguments of one `argparse.ArgumentParser.add_argument` call."""

    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Argument:
    return Argument(flags, options)


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
    _emit(_align(rows, right={1, 2}), None)
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
        help="a zoo name (see 'socsim models', any case) or a SCALE-Sim topology .csv"),
    arg("--format", choices=list(LAYER_FORMATS), default="table",
        help="table: aligned text with a totals line (default); csv: comma-separated with a "
        "header line; json: a list of objects, one per layer; scalesim: a SCALE-Sim topology "
        "of the conv and fc layers"),
    arg("--out", metavar="FILE",
        help="write to FILE instead of standard output; FILE is replaced whole or not at all"),
)  # fmt: skip
def layers(args: argparse.Namespace) -> int:
    """Print every layer of a network, one row each, nothing folded.

    Shapes are channels x height x width; MACs and params follow the SqueezeNext paper's
    convention (the bias counts).
    """
    network = load_network(args.network)
    _emit(LAYER_FORMATS[args.format](network), args.out)
    return 0


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


def _emit(text: str, out: str | None) -> None:
    """Write `text` to standard output, or atomically to the file `out`."""
    if out is None:
        sys.stdout.write(text)
    else:
        _write_atomically(Path(out), text)


def _write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory, so `path` is never half-written."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise ConfigError(_out_error(path, err)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException as err:
        os.unlink(tmp)
        if isinstance(err, OSError):
            raise ConfigError(_out_error(path, err)) from None
        raise


def _out_error(path: Path, err: OSError) -> str:
    return f"--out={str(path)!r}: {err.strerror or err}, expected a writable file path"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `socsim` command line `argv` (default: `sys.argv[1:]`); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
        logging.basicConfig(level=level, format="socsim: %(levelname)s: %(name)s: %(message)s")
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
