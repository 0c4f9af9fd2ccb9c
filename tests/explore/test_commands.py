"""`socsim sweep` and `socsim codesign`: output, files, and one-line errors with status 2."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from socsim.cli import _dask_warnings_only, main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_sweep_prints_the_front_and_resumes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_spec: Path
) -> None:
    out = tmp_path / "out"
    status, text, err = run(capsys, "sweep", str(tiny_spec), "--out", str(out), "--workers", "2")
    assert status == 0, err
    assert text.startswith("16 points: 16 computed now, 0 found in the dataset, 0 failed\n")
    assert "Pareto front in (time, energy, parameters):" in text
    header = text.splitlines()[3].split()
    assert header[:4] == ["network", "pe_array.rows", "pe_array.cols", "global_buffer.size_bytes"]
    assert {"parts", "spec.yaml", "pareto.csv", "pareto.png"} <= {p.name for p in out.iterdir()}
    status, again, _ = run(capsys, "sweep", str(tiny_spec), "--out", str(out), "--workers", "1")
    assert status == 0 and again.startswith("16 points: 0 computed now, 16 found")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [({"grid": {"pe_array.rowz": [8]}}, ["tiny.yaml: grid: unknown key 'pe_array.rowz'"]),
     ({"networks": ["NoSuchNet"]}, ["tiny.yaml: networks[0]: unknown model 'NoSuchNet'"])],
)  # fmt: skip
def test_a_bad_spec_is_one_line_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny: dict, change: dict, fragments: list
) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump({**tiny, **change}))
    status, out, err = run(capsys, "sweep", str(spec), "--out", str(tmp_path / "out"))
    assert (status, out) == (2, "")
    assert err.startswith("socsim: error: ") and err.count("\n") == 1
    assert all(fragment in err for fragment in fragments), err
    assert not (tmp_path / "out").exists()


def test_two_executors_are_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_spec: Path
) -> None:
    argv = ["sweep", str(tiny_spec), "--out", str(tmp_path), "--workers", "2", "--scheduler", "x"]
    status, _, err = run(capsys, *argv)
    assert (
        status == 2
        and err == "socsim: error: --workers and --scheduler are both set, expected at most one\n"
    )


def test_codesign_prints_designs_and_the_papers_variants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, text, err = run(
        capsys, "codesign", "--blocks", "5", "--max-params", "0.43M", "--top", "2", "--workers", "2"
    )
    assert status == 0, err
    lines = text.splitlines()
    assert lines[0].startswith("codesign on squeezelerator-16x16: best 2 of ")
    assert "more over the parameter budget" in lines[0]
    assert lines[1].split()[:6] == ["rank", "depth", "conv1_k", "width", "first_block", "cycles"]
    assert any(line.startswith("1.0-SqNxt-23v5 [2,4,14,1]") for line in lines)


def test_codesign_rejects_a_bad_count(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "codesign", "--max-params", "lots")
    assert status == 2 and "'lots' is not a count" in err and err.count("\n") == 1


@pytest.mark.timeout(120)
def test_a_dask_sweep_keeps_dask_info_out_of_the_terminal(tmp_path: Path, tiny_spec: Path) -> None:
    """`-v` shows socsim's INFO lines and none of the dozens Dask logs for a local cluster
    (in a process of its own: only there does the command configure logging); Dask's
    warnings still pass."""
    pytest.importorskip("distributed")
    argv = ["-v", "sweep", str(tiny_spec), "--out", str(tmp_path / "out"), "--dask-workers", "2"]
    code = "import sys; from socsim.cli import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert any(line.startswith("socsim: INFO: socsim.explore.sweep: 16 points") for line in lines)
    assert not [line for line in lines if "distributed" in line], run.stderr
    warning = logging.LogRecord("distributed.nanny", logging.WARNING, "", 0, "restarting", (), None)
    info = logging.LogRecord("distributed.scheduler", logging.INFO, "", 0, "state start", (), None)
    assert _dask_warnings_only(warning) and not _dask_warnings_only(info)
