"""Hostile input: every bad value a user can give is refused cleanly, before any work.

`CASES` is the catalogue of issue 17: for each, the command line (and the files it reads),
and a fragment of the one-line error it must end in. Every case must exit with status 2,
print one line on stderr naming the field and what was expected, no traceback, nothing on
stdout and no output folder. `test_refused_in_process` runs the catalogue through
`socsim.cli.main` (fast, each under a time limit, so a hang fails); the slow
`test_refused_quickly_in_little_memory` runs each in its own process and checks its peak
memory too. Python API calls, a Hypothesis walk over every config key with hostile values
and the watch on runs that cannot end follow.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socsim import SocConfig, get_preset, simulate
from socsim.cli import main
from socsim.components.config import DramConfig, PeArrayConfig
from socsim.components.dram import Dram
from socsim.components.presets import load_soc
from socsim.components.soc import Soc
from socsim.errors import SimulationError, SocsimError
from socsim.limits import EVENTS_PER_TILE, limited
from socsim.workloads import Layer, NetworkBuilder
from socsim.yaml_input import MAX_DEPTH, read_yaml

TOPOLOGY_HEADER = (
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
    "Num Filter, Strides,\n"
)


def _bomb() -> str:
    """Nine levels of ten aliases each: 10^9 values once expanded, from 10 short lines."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\npe_array: {rows: *l8}\n"


FILES: dict[str, str | bytes] = {
    "deep_dicts.yaml": "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "deep_lists.yaml": "[" * 20000 + "]" * 20000 + "\n",
    "latin1.yaml": b"name: caf\xe9\n",
    "bomb.yaml": _bomb(),
    "glb_1k.yaml": "global_buffer:\n  size_bytes: 1 KiB\npe_array:\n  rows: 4\n  cols: 4\n",
    "clock_nan.yaml": "clock_hz: .nan\n",
    "clock_inf.yaml": "clock_hz: .inf\n",
    "mac_nan.yaml": "energy:\n  mac: .nan\n",
    "idle_inf.yaml": "energy:\n  idle_per_cycle: .inf\n",
    "huge_array.yaml": "pe_array: {rows: 100000, cols: 100000}\nglobal_buffer: {size_bytes: 20 GB}\n",
    "empty.yaml": "",
    "long_int.yaml": "clusters: " + "9" * 5000 + "\n",
    "long_exponent.yaml": "dram: {latency_cycles: '1e999999999 ns'}\n",
    "section_scalar.yaml": "pe_array: 5\n",
    "number_key.yaml": "1: 2\n",
    "tall.csv": TOPOLOGY_HEADER + "c1, 1000000000000000000000000, 8, 3, 3, 3, 8, 1,\n",
    "wide.csv": TOPOLOGY_HEADER + "c1, 100000, 100000, 3, 3, 3, 8, 1,\n",
    "long.csv": TOPOLOGY_HEADER + "c, 8, 8, 3, 3, 3, 8, 1,\n" * 1_000_000,
    "sweep_dir_base.yaml": "networks: [AlexNet]\nbase: dir.yaml\n",
    "sweep_nan.yaml": "networks: [AlexNet]\ngrid:\n  clock_hz: [.nan]\n",
    "sweep_grid.yaml": "networks: [AlexNet]\ngrid:\n  clusters: [{}]\n  dma.channels: [{}]\n  "
    "dma.queue_depth: [{}]\n".format(
        *(", ".join(map(str, range(1, n + 1))) for n in (100, 100, 1000))
    ),
    "sweep_random.yaml": "networks: [AlexNet]\nrandom:\n  count: 1000000000\n  ranges:\n"
    "    clusters: [1, 4]\n",
    "sweep_width_nan.yaml": "networks: [{squeezenext: {depth: [1, 1, 1, 1], width: .nan}}]\n",
    "sweep.yaml": "networks: [AlexNet]\n",
}


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    fragment: str  # in the error line: the field and what was expected

    def __str__(self) -> str:
        return " ".join(self.argv)


def case(command: str, fragment: str) -> Case:
    return Case(tuple(command.split()), fragment)


CASES = [
    # numbers on the command line
    case("run AlexNet --frames 100000000000000000000000", "events"),
    case("run AlexNet --frames 1000000000", "frames=1,000,000,000 of 3,804 tiles each make"),
    case("run AlexNet --fps 1e-300", "arrival.fps=1e-300, expected a frame rate"),
    case("run AlexNet --fps inf", "arrival.fps=inf, expected a positive frame rate"),
    case("run AlexNet --fps 1e300", "arrival.fps=1e+300, expected a frame rate"),
    case("run AlexNet --fps nan", "arrival.fps=nan, expected a positive frame rate"),
    case("run AlexNet --fps -5", "arrival.fps=-5.0, expected a positive frame rate"),
    case("run AlexNet --clusters 100000", "clusters=100000, expected a positive number of clu"),
    case("run AlexNet --clusters 1000000000", "clusters=1000000000"),
    case("run AlexNet --max-events 0", "max_events=0, expected a positive integer"),
    case("run AlexNet --soc glb_1k.yaml", "layer 'conv1': 871,200 tiles on a 1,024-byte"),
    case("run AlexNet --soc glb_1k.yaml --max-events 1000", "expected at most 1,000 events"),
    # SoC files
    case("run AlexNet --soc dir.yaml", "dir.yaml: cannot read (Is a directory)"),
    case("run AlexNet --soc missing.yaml", "missing.yaml: no such file, expected a SoC file"),
    case("run AlexNet --soc deep_dicts.yaml", f"nested more than {MAX_DEPTH} levels"),
    case("run AlexNet --soc deep_lists.yaml", f"nested more than {MAX_DEPTH} levels"),
    case("run AlexNet --soc latin1.yaml", "latin1.yaml: cannot read (byte 9 is b'\\xe9'"),
    case("run AlexNet --soc bomb.yaml", "aliases expand to more than 100,000 values"),
    case("run AlexNet --soc clock_nan.yaml", "clock_hz=nan, expected a frequency in Hz"),
    case("run AlexNet --soc clock_inf.yaml", "clock_hz=inf, expected a frequency in Hz"),
    case("run AlexNet --soc mac_nan.yaml", "energy.mac=nan, expected a cost"),
    case("run AlexNet --soc idle_inf.yaml", "energy.idle_per_cycle=inf, expected a cost"),
    case("run AlexNet --soc huge_array.yaml", "pe_array.rows=100000, expected a positive numb"),
    case("run AlexNet --soc empty.yaml", "empty.yaml: empty, expected a mapping of keys"),
    case("run AlexNet --soc long_int.yaml", "long_int.yaml: Exceeds the limit (4300 digits)"),
    case("run AlexNet --soc long_exponent.yaml", "dram.latency_cycles='1e999999999 ns'"),
    case("run AlexNet --soc section_scalar.yaml", "pe_array=5"),
    case("run AlexNet --soc number_key.yaml", "unknown key '1', expected one of name"),
    # topologies
    case("run tall.csv", "h_in=1000000000000000000000000, expected a positive integer <="),
    case("run wide.csv", "layer 'c1': 5,299,894 tiles"),
    case("run long.csv", "long.csv: 1,000,001 lines, expected a topology of at most 10,000"),
    # sweeps
    case("sweep sweep.yaml --out out --scheduler garbage", "dask scheduler 'garbage'"),
    case("sweep sweep_dir_base.yaml --out out", "base: dir.yaml: cannot read (Is a directory)"),
    case("sweep sweep_nan.yaml --out out", "grid: clock_hz=nan, expected a frequency"),
    case("sweep sweep_grid.yaml --out out", "= 10,000,000 points, expected at most 100,000"),
    case("sweep sweep_random.yaml --out out", "= 1,000,000,000 points"),
    case("sweep sweep_width_nan.yaml --out out", "width=nan, expected a positive number"),
    case("sweep sweep.yaml --out out --workers 100000", "workers=100000, expected a positive"),
    case("sweep sweep.yaml --out out --max-points 0", "max_points=0, expected a positive"),
    # co-design
    case("codesign --width nan", "width=nan, expected a positive width multiplier <= 16"),
    case("codesign --width 0", "width=0.0, expected a positive width multiplier"),
    case("codesign --max-params nan", "max_params=nan, expected a positive number of param"),
    case("codesign --blocks 10000", "blocks=10000 makes 166,566,684,999 candidate networks"),
    case("codesign --blocks 30 --max-points 10", "3,654 candidate networks, expected at most 10"),
    case("codesign --conv1-k 0", "conv1_k=0, expected a positive integer"),
]


@pytest.fixture
def hostile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding every file of `FILES` and a directory named dir.yaml, as cwd."""
    for name, content in FILES.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    (tmp_path / "dir.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.timeout(120)  # a hang fails the case instead of stalling the suite
@pytest.mark.parametrize("bad", CASES, ids=str)
def test_refused_in_process(bad: Case, hostile_dir: Path, capsys) -> None:
    status = main(list(bad.argv))
    out, err = capsys.readouterr()
    assert status == 2, err
    assert out == ""
    assert err.startswith("socsim: error: ") and err.count("\n") == 1, err
    assert bad.fragment in err, err
    assert not (hostile_dir / "out").exists()


MEMORY_LIMIT_MB = 500  # what issue 17 allows a refusal


# Runs socsim's CLI and, as it exits, writes its peak resident memory (VmHWM, kB) to the file
# named first. The kernel's rusage of a child (wait4's ru_maxrss) is no use here: Linux carries
# the forking process's resident size into it, so a test process grown to 900 MB reads 900 MB
# for every child; VmHWM belongs to the memory of the program the child runs.
PEAK_WRAPPER = """
import atexit, sys
from pathlib import Path
peak = Path(sys.argv[1])
sys.argv = ["socsim", *sys.argv[2:]]
def record():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak.write_text(line.split()[1])
atexit.register(record)
from socsim.cli import main
raise SystemExit(main())
"""


def run_measured(
    argv: list[str], folder: Path, timeout: float = 120, cwd: Path | None = None
) -> tuple[int, str, str, float]:
    """Runs `socsim argv` in its own process (in `cwd`): exit status, stdout, stderr (kept
    in `folder`) and its peak memory in MB (`PEAK_WRAPPER`; inf if it never got to say);
    the process is killed after `timeout` s."""
    out_path, err_path = folder / "stdout.txt", folder / "stderr.txt"
    peak_path = folder / "peak_kb.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        command = [sys.executable, "-c", PEAK_WRAPPER, str(peak_path.resolve()), *argv]
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    peak_mb = int(peak_path.read_text()) / 1024 if peak_path.exists() else float("inf")
    return process.returncode, out_path.read_text(), err_path.read_text(), peak_mb


@pytest.mark.slow
@pytest.mark.parametrize("bad", CASES, ids=str)
def test_refused_quickly_in_little_memory(bad: Case, hostile_dir: Path, tmp_path_factory) -> None:
    """In a process of its own: refused with the same line, within 500 MB at the peak (the
    time limit only catches a hang; bench/bench_hostile.py prints the times)."""
    status, out, err, peak_mb = run_measured(list(bad.argv), tmp_path_factory.mktemp("run"))
    assert status == 2, err
    assert out == "" and err.count("\n") == 1 and bad.fragment in err, err
    assert peak_mb < MEMORY_LIMIT_MB


# -- the Python API raises only socsim's errors ----------------------------------------------


def _tiny():
    builder = NetworkBuilder("tiny", (3, 8, 8))
    builder.conv("conv", "input", 5, 3, pad=1)
    return builder.build()


API_CASES = {
    "simulate(None)": lambda: simulate(None),
    "simulate(123)": lambda: simulate(123),
    "simulate(soc=1.5)": lambda: simulate(_tiny(), 1.5),
    "arrival='abc'": lambda: simulate(_tiny(), arrival="abc"),
    "arrival=1e-300": lambda: simulate(_tiny(), arrival=1e-300),
    "arrival=inf": lambda: simulate(_tiny(), arrival=float("inf")),
    "arrival=nan": lambda: simulate(_tiny(), arrival=float("nan")),
    "frames=2.5": lambda: simulate(_tiny(), frames=2.5),
    "frames='2'": lambda: simulate(_tiny(), frames="2"),
    "frames=10**30": lambda: simulate(_tiny(), frames=10**30),
    "seed=-1": lambda: simulate(_tiny(), seed=-1),
    "seed='x'": lambda: simulate(_tiny(), seed="x"),
    "SocConfig(pe_array=None)": lambda: SocConfig(pe_array=None),
    "SocConfig(clock_hz=nan)": lambda: SocConfig(clock_hz=float("nan")),
    "SocConfig(clusters=inf)": lambda: SocConfig(clusters=float("inf")),
    "PeArrayConfig(weight_sparsity=nan)": lambda: SocConfig(
        pe_array=PeArrayConfig(weight_sparsity=float("nan"))
    ),
    "get_preset(None)": lambda: get_preset(None),
    "load_soc(None)": lambda: load_soc(None),
    "Layer(c_in='3')": lambda: Layer(name="x", op="conv", c_in="3", h_in=8, w_in=8, c_out=4),
    "Layer(h_in=nan)": lambda: Layer(name="x", op="conv", c_in=3, h_in=float("nan"), w_in=8),
    "Layer(name=None)": lambda: Layer(name=None, op="conv", c_in=3, h_in=8, w_in=8, c_out=4),
    "load_soc(directory)": lambda: load_soc(Path(os.getcwd()) / "dir.yaml"),
    "load_soc(latin1)": lambda: load_soc("latin1.yaml"),
    "load_soc(deep)": lambda: load_soc("deep_lists.yaml"),
    "load_soc(bomb)": lambda: load_soc("bomb.yaml"),
    "limited(max_events=0)": lambda: limited(max_events=0).__enter__(),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", API_CASES)
def test_python_api_raises_socsims_errors(name: str, hostile_dir: Path) -> None:
    with pytest.raises(SocsimError) as caught:
        API_CASES[name]()
    assert "\n" not in str(caught.value)


def test_the_event_budget_is_tiles_times_events_per_tile_times_frames() -> None:
    """The tiny conv maps to N tiles; frames x N x 13 events at the limit runs, one event
    under it is refused, naming the frames and the tiles."""
    tiles = sum(m.tile_count for m in simulate(_tiny(), "squeezelerator-8x8").work)
    needed = 3 * tiles * EVENTS_PER_TILE
    with limited(max_events=needed):
        simulate(_tiny(), "squeezelerator-8x8", frames=3)
    with limited(max_events=needed - 1), pytest.raises(SocsimError) as caught:
        simulate(_tiny(), "squeezelerator-8x8", frames=3)
    assert f"frames=3 of {tiles:,} tiles each make {needed:,} events" in str(caught.value)


# -- Hypothesis: hostile values for every config key -------------------------------------------


def _keys(section: object, prefix: str = "") -> list[str]:
    keys = []
    for f in fields(section):
        value = getattr(section, f.name)
        keys += _keys(value, f"{prefix}{f.name}.") if is_dataclass(value) else [prefix + f.name]
    return keys


KEYS = _keys(SocConfig())
HOSTILE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(["nan", "inf", "-inf", "1e999999", "1e9", "1e400 KiB", "0x10", "", "1 GHz"]),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), value=HOSTILE)
def test_any_value_of_any_key_is_accepted_or_refused_in_one_line(key, value, tmp_path_factory):
    """Through the command (`presets --show FILE`, which loads without simulating): exit 0
    with a YAML file out, or exit 2 with one line naming the key; never a traceback."""
    path = tmp_path_factory.mktemp("keys") / "soc.yaml"
    head, _, rest = key.partition(".")
    path.write_text(yaml.safe_dump({head: {rest: value}} if rest else {key: value}))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["presets", "--show", str(path)])
    if status == 0:
        assert out.getvalue().startswith("#")
    else:
        assert status == 2
        line = err.getvalue()
        assert line.startswith("socsim: error: ") and line.count("\n") == 1, line
        assert key in line or "expected" in line


@settings(max_examples=200, deadline=None)
@given(
    fps=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**70), 2**70),
    frames=st.integers(-(2**70), 2**70),
)
def test_any_rate_and_frame_count_is_run_or_refused_with_a_socsim_error(fps, frames):
    with limited(max_events=2000):
        try:
            simulate(_tiny(), "squeezelerator-8x8", frames=frames, arrival=fps)
        except SocsimError as error:
            assert "\n" not in str(error)


NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "0", "-1", "1e999", "1e-300", "", "x", "0x10"]),
    st.integers(-(2**80), 2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
RUN_FLAGS = ("--frames", "--fps", "--clusters", "--max-events", "--partition")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flags=st.dictionaries(st.sampled_from(RUN_FLAGS), NUMBER_TEXT, min_size=1, max_size=3))
def test_any_run_flags_run_or_are_refused_in_one_line_leaving_no_output(flags, tmp_path_factory):
    """`socsim run` of a one-layer topology with hostile flag values: exit 0 with the
    output folder written, or exit 2, one line, and no output folder."""
    folder = tmp_path_factory.mktemp("flags")
    topology = folder / "tiny.csv"
    topology.write_text(TOPOLOGY_HEADER + "c1, 8, 8, 3, 3, 3, 5, 1,\n")
    argv = ["run", str(topology), "--soc", "squeezelerator-8x8", "--out", str(folder / "out")]
    for flag, value in flags.items():
        argv.append(f"{flag}={value}")  # '=': a value like '-1' is not read as a flag
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), limited(max_events=20_000):
        status = main(argv)
    if status == 0:
        assert (folder / "out" / "summary.json").exists()
    else:
        line = err.getvalue()
        assert status == 2 and line.startswith("socsim: error: ") and line.count("\n") == 1
        assert not (folder / "out").exists()


# -- YAML read as a person means it ----------------------------------------------------------


def test_exponent_numbers_are_floats_and_the_rest_is_yaml_1_1(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("a: 1e9\nb: -2.5E-3\nc: 1.0e9\nd: '1e9'\ne: 12\nf: 1e9x\n")
    data, _ = read_yaml(path, "a test file")
    assert data == {"a": 1e9, "b": -2.5e-3, "c": 1e9, "d": "1e9", "e": 12, "f": "1e9x"}
    assert type(data["a"]) is float and type(data["e"]) is int


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1))
    assert read_yaml(path, "a test file")[0] is not None
    path.write_text("[" * (MAX_DEPTH + 1) + "1" + "]" * (MAX_DEPTH + 1))
    with pytest.raises(SocsimError, match=f"line 1: nested more than {MAX_DEPTH} levels"):
        read_yaml(path, "a test file")


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "soc.yaml"
    path.write_text("base: squeezelerator-8x8\nsize: &s 64 KiB\nglobal_buffer: {size_bytes: *s}\n")
    with pytest.raises(SocsimError, match="unknown key 'size'"):
        load_soc(path)


# -- runs that cannot end on their own ----------------------------------------------------


class TickingDram(Dram):
    """A DRAM with a process that wakes every 1000 cycles, forever."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.env.process(self.tick())

    def tick(self):
        """Wakes every 1000 cycles and does nothing, forever."""
        while True:
            yield self.env.timeout(1000)


class NeverGrantingDram(TickingDram):
    """Ticks forever, and never grants a channel: no transfer ever starts."""

    def acquire(self):
        yield self.env.event()
        return 0


class ZeroBandwidthDram(Dram):
    """A user's bug: divides by a bandwidth of zero."""

    def cycles(self, nbytes: int) -> int:
        return nbytes // 0


def _with_dram(cls: type) -> SocConfig:
    @dataclass(frozen=True, kw_only=True)
    class Config(DramConfig):
        component = cls

    return replace(get_preset("squeezelerator-8x8"), dram=Config())


@pytest.mark.timeout(120)
def test_a_periodic_user_process_ends_with_the_last_frame_and_changes_nothing() -> None:
    plain = simulate(_tiny(), "squeezelerator-8x8", frames=2)
    ticking = simulate(_tiny(), _with_dram(TickingDram), frames=2)
    assert ticking.summary["cycles"] == plain.summary["cycles"]
    assert ticking.frames.equals(plain.frames)


@pytest.mark.timeout(120)
def test_frames_arriving_far_apart_are_not_a_stall() -> None:
    """At 100 fps on a 500 MHz clock frames arrive 5,000,000 cycles apart, far more than
    the watch window of the tiny conv (1000 tile bounds); an idle gap whose next event is
    the next frame's arrival is waiting for a frame, not a stall."""
    soc = get_preset("squeezelerator-8x8")
    result = simulate(_tiny(), soc, frames=3, arrival=100.0)
    window = 1000 * Soc(soc, result.program).tile_bound()
    assert window < 5_000_000
    assert result.frames["arrival"].tolist() == [0, 5_000_000, 10_000_000]
    assert result.frames["finish"].notna().all()


@pytest.mark.timeout(120)
def test_a_stalled_run_kept_alive_by_a_user_process_raises_naming_it() -> None:
    with pytest.raises(SimulationError) as caught:
        simulate(_tiny(), _with_dram(NeverGrantingDram))
    message = str(caught.value)
    assert "made no progress" in message and "soc.dram (tick) kept the clock alive" in message
    assert "1 frame(s) unfinished" in message
    assert caught.value.result is not None


def test_a_user_components_exception_is_a_simulation_error_naming_the_unit() -> None:
    with pytest.raises(SimulationError, match=r"^soc\.dram raised ZeroDivisionError at cycle"):
        simulate(_tiny(), _with_dram(ZeroBandwidthDram))
