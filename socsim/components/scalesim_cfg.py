"""SCALE-Sim configuration files: read a `.cfg` as a `SocConfig`, write one, run SCALE-Sim.

A SCALE-Sim user brings a topology CSV and a `.cfg` unchanged:
``socsim run topology.csv --soc scale.cfg`` (`presets.load_soc` sends `.cfg` files here).
The SoC gets SCALE-Sim's array with the systolic timing model, so its compute cycles are
SCALE-Sim's (`socsim.dataflow.mapper`, "The systolic array"), and socsim's own DRAM,
interconnect, DMA and controller around it. The keys read (SCALE-Sim 3.0.0,
scalesim/scale_config.py, read_conf_file; names are case-insensitive, as there):

- ``[general] run_name``: the SoC's name (the file's stem if absent).
- ``[architecture_presets] ArrayHeight``, ``ArrayWidth``: `pe_array.rows`, `pe_array.cols`.
- ``IfmapSramSzkB`` + ``FilterSramSzkB`` + ``OfmapSramSzkB`` (KiB): `global_buffer.size_bytes`,
  their sum: socsim has one buffer that the three operands share, tiled and double-buffered
  (`tile_fraction` 0.5, as SCALE-Sim's active half of each SRAM).
- ``Dataflow`` (os, ws or is): `pe_array.dataflow`, with `pe_array.timing` = systolic.
- ``[run_presets] InterfaceBandwidth``: USER takes ``Bandwidth`` (words per cycle; the first
  of a list) as the DRAM channel's and the interconnect's bytes per cycle; CALC (SCALE-Sim
  assumes whatever bandwidth keeps the array from stalling) keeps socsim's default DRAM.
- ``[sparsity] SparsitySupport``: true is refused (SCALE-Sim's N:M sparsity is not modelled).

Fixed: one byte per word (SCALE-Sim's word size: scalesim/single_layer_sim.py, run) and
dense weights. Every other key (offsets, request buffers, banks, layouts) shapes SCALE-Sim's
address traces, which socsim does not build, and is ignored.

`scalesim_cfg_text` writes a cfg for a `SocConfig`, and `run_scalesim` runs an installed
SCALE-Sim on a cfg and a topology, for checking one tool against the other.
"""

from __future__ import annotations

import configparser
import csv
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from socsim.components.config import DataflowChoice, PeArrayConfig, SocConfig
from socsim.dataflow.types import ArrayTiming, SparsityMode
from socsim.errors import ConfigError, SimulationError

ARCH = "architecture_presets"
SRAMS = ("IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB")
DATAFLOWS = ("os", "ws", "is")
PYTHON_ENV = "SOCSIM_SCALESIM_PYTHON"  # an interpreter that imports scalesim, for run_scalesim


def load_scalesim_cfg(path: str | os.PathLike[str]) -> SocConfig:
    """The `SocConfig` a SCALE-Sim `.cfg` describes (see the module docstring).

    Raises `ConfigError` naming the file, and for a bad value its section, key and value.
    """
    path = Path(path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file, expected a SCALE-Sim config (.cfg)") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err
        raise ConfigError(f"{path}: cannot read ({reason}), expected a SCALE-Sim config") from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as err:
        first = str(err).splitlines()[0].rstrip(".")
        raise ConfigError(f"{path}: {first}, expected a SCALE-Sim config (.cfg)") from None
    cfg = _Cfg(path, parser)
    rows, cols = cfg.positive(ARCH, "ArrayHeight"), cfg.positive(ARCH, "ArrayWidth")
    sram_kib = sum(cfg.positive(ARCH, key) for key in SRAMS)
    dataflow = cfg.get(ARCH, "Dataflow").lower()
    if dataflow not in DATAFLOWS:
        cfg.bad(ARCH, "Dataflow", "os, ws or is")
    sparse = parser.get("sparsity", "SparsitySupport", fallback="false").strip().lower()
    if sparse != "false":
        cfg.bad("sparsity", "SparsitySupport", "false (SCALE-Sim's sparsity is not modelled)")
    base = SocConfig()
    dram, interconnect = base.dram, base.interconnect
    mode = cfg.get("run_presets", "InterfaceBandwidth").upper()
    if mode == "USER":
        bandwidth = cfg.positive(ARCH, "Bandwidth", first_of_list=True)
        dram = replace(dram, bytes_per_cycle=bandwidth)
        interconnect = replace(interconnect, bytes_per_cycle=bandwidth)
    elif mode != "CALC":
        cfg.bad("run_presets", "InterfaceBandwidth", "CALC or USER")
    name = parser.get("general", "run_name", fallback="").strip() or path.stem
    try:
        return replace(
            base,
            name=name,
            pe_array=PeArrayConfig(
                rows=rows, cols=cols, bytes_per_word=1, dataflow=DataflowChoice(dataflow),
                timing=ArrayTiming.SYSTOLIC, weight_sparsity=0.0,
                sparsity_mode=SparsityMode.NONE,
            ),
            global_buffer=replace(base.global_buffer, size_bytes=sram_kib * 1024),
            dram=dram,
            interconnect=interconnect,
        )  # fmt: skip
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


@dataclass(frozen=True)
class _Cfg:
    """Typed reads of one parsed cfg, with errors that name the file, section and key."""

    path: Path
    parser: configparser.ConfigParser

    def get(self, section: str, key: str) -> str:
        if not self.parser.has_section(section):
            raise ConfigError(
                f"{self.path}: no [{section}] section, expected a SCALE-Sim config with "
                f"[{section}] {key}"
            )
        if not self.parser.has_option(section, key):
            raise ConfigError(f"{self.path}: [{section}] has no {key}, expected one")
        return self.parser.get(section, key).strip()

    def positive(self, section: str, key: str, first_of_list: bool = False) -> int:
        value = self.get(section, key)
        text = value.split(",")[0].strip() if first_of_list else value
        try:
            number = int(text)
        except ValueError:
            number = 0
        if number < 1:
            self.bad(section, key, "a positive integer")
        return number

    def bad(self, section: str, key: str, expected: str) -> NoReturn:
        value = self.parser.get(section, key).strip()
        raise ConfigError(f"{self.path}: [{section}] {key}={value!r}, expected {expected}")


def scalesim_cfg_text(soc: SocConfig) -> str:
    """A SCALE-Sim 3.0.0 cfg for `soc`'s array: its size and dataflow (which must be os, ws or
    is), its buffer split evenly into the three SRAMs (whole KiB; reading the file back sums
    them), stall-free (CALC) with `dram.bytes_per_cycle` as the Bandwidth a USER run would use,
    and every section SCALE-Sim requires."""
    pe = soc.pe_array
    if pe.dataflow.value not in DATAFLOWS:
        raise ConfigError(
            f"pe_array.dataflow={pe.dataflow.value!r}, expected os, ws or is "
            "(SCALE-Sim runs one dataflow for every layer)"
        )
    sram_kib = max(1, soc.global_buffer.size_bytes // 1024 // 3)
    srams = "".join(f"{key}: {sram_kib}\n" for key in SRAMS)
    return (
        f"[general]\nrun_name = {soc.name}\n\n"
        f"[architecture_presets]\nArrayHeight: {pe.rows}\nArrayWidth: {pe.cols}\n{srams}"
        "IfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\n"
        f"Bandwidth: {soc.dram.bytes_per_cycle}\nDataflow: {pe.dataflow.value}\n"
        "MemoryBanks: 1\nReadRequestBuffer: 512\nWriteRequestBuffer: 512\n\n"
        "[layout]\nIfmapCustomLayout: False\nIfmapSRAMBankBandwidth: 10\nIfmapSRAMBankNum: 10\n"
        "IfmapSRAMBankPort: 2\nFilterCustomLayout: False\nFilterSRAMBankBandwidth: 10\n"
        "FilterSRAMBankNum: 10\nFilterSRAMBankPort: 2\n\n"
        "[sparsity]\nSparsitySupport: false\nSparseRep: ellpack_block\nOptimizedMapping: false\n"
        "BlockSize: 8\nRandomNumberGeneratorSeed: 40\n\n"
        "[run_presets]\nInterfaceBandwidth: CALC\nUseRamulatorTrace: False\n"
    )


# -- running SCALE-Sim ----------------------------------------------------------------------


def scalesim_python() -> str | None:
    """An interpreter that can run SCALE-Sim: ``$SOCSIM_SCALESIM_PYTHON``, else this one if it
    imports scalesim, else None. (SCALE-Sim 3.0.0 needs numpy < 2.4: it usually lives in a
    virtualenv of its own.)"""
    if os.environ.get(PYTHON_ENV):
        return os.environ[PYTHON_ENV]
    return sys.executable if importlib.util.find_spec("scalesim") else None


# Runs in SCALE-Sim's interpreter: its Python API, no traces written (its fastest setting),
# then its own wall time and peak resident memory as one JSON line.
_RUNNER = """
import json, resource, sys, time
from scalesim.scale_sim import scalesim
cfg, topology, layout, out = sys.argv[1:]
start = time.perf_counter()
sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topology, layout=layout)
sim.run_scale(top_path=out)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": time.perf_counter() - start, "peak_bytes": peak_kib * 1024}))
"""


@dataclass(frozen=True)
class ScaleSimRun:
    """What one SCALE-Sim run reported."""

    layers: list[dict[str, float]]  # per topology row: COMPUTE_REPORT and DETAILED_ACCESS_REPORT
    seconds: float  # SCALE-Sim's wall time, reading its inputs to writing its reports
    peak_bytes: int  # the SCALE-Sim process's peak resident memory

    def compute_cycles(self) -> list[int]:
        """Per layer, the cycles the array computes: Total Cycles less Stall Cycles."""
        return [int(row["Total Cycles"] - row["Stall Cycles"]) for row in self.layers]


def run_scalesim(
    cfg: str | os.PathLike[str],
    topology: str | os.PathLike[str],
    workdir: str | os.PathLike[str],
    python: str | None = None,
) -> ScaleSimRun:
    """Run SCALE-Sim on a cfg and a topology CSV in `workdir` and read its reports.

    `python` is an interpreter that imports scalesim (default: `scalesim_python()`). Raises
    `SimulationError` if none is found, or if SCALE-Sim fails or writes no report.
    """
    python = python or scalesim_python()
    if python is None:
        raise SimulationError(
            f"no SCALE-Sim: set {PYTHON_ENV} to a Python that imports scalesim "
            "(pip install scalesim 'numpy<2.4')"
        )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    layout = workdir / "layout.csv"  # SCALE-Sim 3.0.0 opens one even when no layer uses it
    layout.write_text("Layer name,\n", encoding="utf-8")
    args = [python, "-c", _RUNNER, str(cfg), str(topology), str(layout), str(workdir)]
    done = subprocess.run(args, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(cfg, encoding="utf-8")
    reports = workdir / parser.get("general", "run_name", fallback="").strip()  # SCALE-Sim's
    if done.returncode or not lines or not (reports / "COMPUTE_REPORT.csv").exists():
        # a traceback ends with the exception; SCALE-Sim's own errors come first on stdout
        err, out = done.stderr.strip().splitlines(), done.stdout.strip().splitlines()
        said = err[-1] if err else out[0] if out else "no output"
        raise SimulationError(f"SCALE-Sim ({python}) failed on {cfg} and {topology}: {said}")
    compute = _report(reports / "COMPUTE_REPORT.csv")
    access = _report(reports / "DETAILED_ACCESS_REPORT.csv")
    figures = json.loads(lines[-1])
    layers = [{**c, **a} for c, a in zip(compute, access, strict=True)]
    return ScaleSimRun(layers, figures["seconds"], figures["peak_bytes"])


def _report(path: Path) -> list[dict[str, float]]:
    """A SCALE-Sim report: one dict per layer, its header's columns as keys."""
    with path.open(encoding="utf-8") as f:
        rows = [[cell.strip() for cell in row] for row in csv.reader(f) if row]
    head = [cell for cell in rows[0] if cell]
    return [dict(zip(head, map(float, row[: len(head)]), strict=True)) for row in rows[1:]]
