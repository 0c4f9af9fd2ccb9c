"""The `socsim` command: output formats, one-line errors with status 2, atomic --out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from socsim.cli import COMMANDS, main
from socsim.workloads.network import FRAME_COLUMNS
from socsim.workloads.scalesim import HEADER, read_topology
from socsim.workloads.zoo import get_network, model_names

HEADER_CSV = "name,op,c_in,h_in,w_in,c_out,h_out,w_out,k_h,k_w,stride,groups,macs,params"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, out: str, err: str, *fragments: str) -> None:
    assert status == 2
    assert out == ""
    assert err.startswith("socsim: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err


def test_python_m_socsim_models_runs_the_real_entry_point() -> None:
    """One line per zoo model, name first, then MACs and params in millions."""
    done = subprocess.run(
        [sys.executable, "-m", "socsim", "models"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == model_names()
    name, macs, params = next(line.split() for line in lines if line.startswith("AlexNet "))
    network = get_network("AlexNet")
    assert (float(macs), float(params)) == (
        round(network.macs / 1e6, 1),
        round(network.params / 1e6, 2),
    )
    assert len({len(line) for line in lines}) == 1  # numbers right-aligned in columns


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in COMMANDS:
        status, out, _ = run(capsys, name, "--help")
        assert status == 0 and f"usage: socsim {name}" in out


def test_layers_csv_header_and_rows(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "layers", "1.0-sqnxt-23", "--format", "csv")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith(HEADER_CSV + ",") or lines[0] == HEADER_CSV
    network = get_network("1.0-SqNxt-23")
    assert len(lines) == 1 + len(network)
    first = dict(zip(FRAME_COLUMNS, lines[1].split(","), strict=False))
    assert first["name"] == network.layers[0].name
    assert int(first["macs"]) == network.layers[0].macs


def test_layers_json_is_a_list_of_rows(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "layers", "AlexNet", "--format", "json")
    rows = json.loads(out)
    assert status == 0
    assert [row["name"] for row in rows] == [layer.name for layer in get_network("AlexNet")]
    assert sum(row["macs"] for row in rows) == get_network("AlexNet").macs
    assert list(rows[0])[: len(FRAME_COLUMNS)] == FRAME_COLUMNS


def test_layers_table_has_every_layer_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    network = get_network("AlexNet")
    status, out, _ = run(capsys, "layers", "alexnet")
    lines = out.splitlines()
    assert status == 0
    assert len(lines) == 1 + len(network) + 1
    assert lines[-1].split()[0] == "total"
    assert lines[-1].endswith(f"{network.macs:,}  {network.params:,}")


def test_layers_scalesim_reads_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "alexnet.csv"
    status, out, _ = run(
        capsys, "layers", "AlexNet", "--format", "scalesim", "--out", str(out_file)
    )
    assert (status, out) == (0, "")
    assert out_file.read_text().splitlines()[0] == HEADER
    assert read_topology(out_file).macs == get_network("AlexNet").macs


def test_layers_reads_a_topology_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    topo = tmp_path / "tiny.csv"
    topo.write_text(f"{HEADER}\nc1,10,10,3,3,4,8,1,\nc2,8,8,1,1,8,2,1,\n")
    status, out, _ = run(capsys, "layers", str(topo), "--format", "csv")
    assert status == 0
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["c1", "c2"]


def test_unknown_model_names_it_and_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "layers", "SqNxt-23")
    assert_one_line_error(status, out, err, "'SqNxt-23'", "1.0-SqNxt-23")


def test_malformed_topology_gives_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    topo = tmp_path / "bad.csv"
    topo.write_text(f"{HEADER}\nc1,10,10,3,3,4,8,1,\nc2,8,8,1,1,8,two,1,\n")
    assert_one_line_error(*run(capsys, "layers", str(topo)), "bad.csv line 3: Num Filter='two'")


def test_impossible_layer_in_topology(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    topo = tmp_path / "big.csv"
    topo.write_text(f"{HEADER}\nc1,4,4,5,5,4,8,1,\n")
    assert_one_line_error(*run(capsys, "layers", str(topo)), "big.csv line 2: layer 'c1': k_h=5")


def test_missing_topology_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert_one_line_error(*run(capsys, "layers", str(tmp_path / "no.csv")), "no.csv: no such file")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["layers"], "required: MODEL_OR_FILE (see 'socsim layers --help')"),
        (["layers", "AlexNet", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ],
)
def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv, fragment) -> None:
    assert_one_line_error(*run(capsys, *argv), fragment)


def test_out_on_error_leaves_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kept = tmp_path / "kept.csv"
    kept.write_text("old\n")
    for target in (tmp_path / "new.csv", kept):
        assert main(["layers", "NoSuchNet", "--out", str(target)]) == 2
    assert sorted(os.listdir(tmp_path)) == ["kept.csv"]
    assert kept.read_text() == "old\n"
    capsys.readouterr()


def test_out_failing_write_removes_its_temporary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    status, out, err = run(capsys, "layers", "AlexNet", "--out", str(tmp_path / "t.txt"))
    assert_one_line_error(status, out, err, "--out=", "No space left on device")
    assert os.listdir(tmp_path) == []


def test_out_into_missing_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "t.csv"
    assert_one_line_error(*run(capsys, "layers", "AlexNet", "--out", str(target)), "--out=")


def test_out_file_has_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    assert main(["layers", "AlexNet", "--format", "csv", "--out", str(target)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_broken_pipe_is_quiet(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """`socsim layers X | head`: the reader leaves; no traceback, no error line."""
    read_end, write_end = os.pipe()

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            return write_end

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    try:
        assert main(["layers", "AlexNet"]) == 141
    finally:
        os.close(read_end)
        os.close(write_end)
    assert capsys.readouterr().err == ""


def test_the_command_line_starts_without_pandas_or_simpy():
    """`socsim --help` and the listing commands import none of pandas, SimPy, tqdm and
    matplotlib."""
    code = (
        "import sys\n"
        "from socsim.cli import main\n"
        "for argv in (['--help'], ['models'], ['presets'], ['layers', 'AlexNet']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('pandas', 'simpy', 'tqdm', 'matplotlib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
