"""Output folders and files: socsim never removes or overwrites a file it did not write, and a
crash at any moment leaves the old output or the new one (see `socsim.outputs`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from socsim.cli import main
from socsim.errors import ConfigError
from socsim.outputs import MANIFEST, OutputDir, check_target, write_file

FOREIGN = "socsim did not write"


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("socsim: error: "), err
    return err


def names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def write_output(folder: Path | str, command: str, files: dict[str, str], **options) -> None:
    with OutputDir(folder, command, **options).write() as stage:
        for name, text in files.items():
            (stage / name).write_text(text)


# -- the CLI ------------------------------------------------------------------------------


def test_run_refuses_a_folder_with_a_foreign_file_and_keeps_it(tmp_path, capsys) -> None:
    """`mkdir r; touch r/notes.txt; socsim run X --out r` deleted notes.txt; now it is refused
    before anything runs, and even --force only adds socsim's files beside it."""
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    assert main(["run", "TinyDarknet", "--out", str(out)]) == 2
    err = error_line(capsys)
    assert f"exists and holds files {FOREIGN} (notes.txt)" in err and "--force" in err
    assert names(out) == ["notes.txt"]
    assert main(["run", "TinyDarknet", "--out", str(out), "--force"]) == 0
    assert names(out) == [MANIFEST, "events.parquet", "layers.csv", "notes.txt", "summary.json"]
    assert (out / "notes.txt").read_text() == "mine\n"
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "run"
    assert manifest["files"] == ["events.parquet", "layers.csv", "summary.json"]


def test_force_never_overwrites_a_foreign_file_of_an_output_name(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "summary.json").write_text("mine\n")
    assert main(["run", "TinyDarknet", "--out", str(out), "--force"]) == 2
    assert f"summary.json exists and {FOREIGN} it" in error_line(capsys)
    assert names(out) == ["summary.json"] and (out / "summary.json").read_text() == "mine\n"


def test_rerunning_into_an_output_replaces_its_files_not_the_folder(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    assert main(["run", "TinyDarknet", "--out", str(out), "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    inode = out.stat().st_ino
    assert main(["run", "TinyDarknet", "--frames", "2", "--out", str(out)]) == 0
    assert out.stat().st_ino == inode
    assert json.loads((out / "summary.json").read_text())["frames"] == 2 != first["frames"]
    assert names(out) == [MANIFEST, "events.parquet", "layers.csv", "summary.json"]


def test_the_output_of_another_command_is_refused_without_force(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    write_output(out, "paper", {"report.md": "# old\n"})
    assert main(["run", "TinyDarknet", "--out", str(out)]) == 2
    assert "holds the output of 'socsim paper'" in error_line(capsys)
    assert main(["run", "TinyDarknet", "--out", str(out), "--force"]) == 0
    assert (out / "report.md").read_text() == "# old\n"  # another command's file is kept


@pytest.mark.parametrize("target", [".", "..", "sub/..", "../here"])
def test_the_working_directory_and_its_ancestors_are_refused(
    target, tmp_path, tiny_spec, monkeypatch, capsys
) -> None:
    """`--out .` used to empty the working directory, `--out ..` its parent."""
    here = tmp_path / "here"
    (here / "sub").mkdir(parents=True)
    (here / "keep.txt").write_text("x")
    monkeypatch.chdir(here)
    commands = [["run", "TinyDarknet"], ["paper"], ["sweep", str(tiny_spec)], ["codesign"]]
    for argv in commands:
        assert main([*argv, "--out", target, "--force"]) == 2
        assert "holds the working directory" in error_line(capsys)
    assert names(here) == ["keep.txt", "sub"]


def test_the_home_folder_root_and_mount_points_are_refused(tmp_path, monkeypatch, capsys) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert main(["run", "TinyDarknet", "--out", str(home), "--force"]) == 2
    assert "is the home folder" in error_line(capsys)
    with pytest.raises(ConfigError, match="is the root folder"):
        check_target("/")
    mounted = tmp_path / "disk"
    mounted.mkdir()
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == mounted)
    assert main(["run", "TinyDarknet", "--out", str(mounted)]) == 2
    assert "is a mount point" in error_line(capsys)
    assert names(mounted) == []


def test_a_real_mount_point_is_refused() -> None:
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    point = next(m for m in mounts if m not in ("/",) and os.path.isdir(m))
    with pytest.raises(ConfigError, match="is a mount point"):
        OutputDir(point, "run", force=True)


def test_a_paper_output_is_refused_before_simulating(tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "draft.md").write_text("x")
    monkeypatch.setattr("socsim.report.paper.reproduce", lambda *a: pytest.fail("simulated first"))
    assert main(["paper", "--out", str(out)]) == 2
    assert FOREIGN in error_line(capsys)


def test_layers_out_replaces_an_existing_file_only_with_force(tmp_path, capsys) -> None:
    target = tmp_path / "t.csv"
    target.write_text("mine\n")
    assert main(["layers", "TinyDarknet", "--format", "csv", "--out", str(target)]) == 2
    assert "t.csv' exists; choose another --out or pass --force" in error_line(capsys)
    assert target.read_text() == "mine\n"
    assert main(["layers", "TinyDarknet", "--format", "csv", "--out", str(target), "--force"]) == 0
    assert target.read_text().startswith("name,")
    assert names(tmp_path) == ["t.csv"]


def test_layers_out_refuses_folders_and_special_files(tmp_path, capsys) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["layers", "TinyDarknet", "--out", str(fifo), "--force"]) == 2
    assert "is not a regular file" in error_line(capsys)
    assert main(["layers", "TinyDarknet", "--out", str(tmp_path), "--force"]) == 2
    assert "is a folder, expected a file path" in error_line(capsys)
    assert names(tmp_path) == ["pipe"]


# -- sweeps and co-design -------------------------------------------------------------------


def test_a_sweep_keeps_a_foreign_file_of_its_names(tiny_spec: Path, tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "pareto.csv").write_text("mine\n")
    assert main(["sweep", str(tiny_spec), "--out", str(out), "--workers", "1"]) == 2
    assert FOREIGN in error_line(capsys)
    assert main(["sweep", str(tiny_spec), "--out", str(out), "--workers", "1", "--force"]) == 2
    assert f"pareto.csv exists and {FOREIGN} it" in error_line(capsys)
    assert names(out) == ["pareto.csv"] and (out / "pareto.csv").read_text() == "mine\n"


def test_a_sweep_resumes_in_its_own_dataset_only(tiny_spec: Path, tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", str(tiny_spec), "--out", str(out), "--workers", "1"]
    assert main(argv) == 0 and main(argv) == 0
    capsys.readouterr()
    assert names(out) == [MANIFEST, "pareto.csv", "pareto.png", "parts", "spec.yaml"]
    assert main(["codesign", "--blocks", "4", "--out", str(out)]) == 2
    assert "holds the output of 'socsim sweep'" in error_line(capsys)


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        textwrap.dedent("""\
            networks: [1.0-SqNxt-23v5]
            base: squeezelerator-8x8
            grid:
              global_buffer.size_bytes: [32768, 65536]
            """)
    )
    return spec


# -- the manifest and recovery ------------------------------------------------------------


def test_files_of_an_old_output_that_the_new_lacks_are_removed(tmp_path) -> None:
    out = tmp_path / "o"
    write_output(out, "run", {"a.csv": "1", "b.csv": "1"})
    write_output(out, "run", {"a.csv": "2"})
    assert names(out) == [MANIFEST, "a.csv"] and (out / "a.csv").read_text() == "2"


def test_a_manifest_never_reaches_outside_its_folder(tmp_path) -> None:
    """A damaged or hostile manifest naming ../victim cannot make socsim delete it."""
    out = tmp_path / "o"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (out / MANIFEST).write_text(json.dumps({"command": "run", "files": ["../victim", "/x"]}))
    write_output(out, "run", {"a.csv": "1"})
    assert victim.read_text() == "keep"


def test_an_error_while_writing_leaves_the_old_output_and_no_debris(tmp_path) -> None:
    out = tmp_path / "o"
    write_output(out, "run", {"a.csv": "old"})
    with pytest.raises(RuntimeError), OutputDir(out, "run").write() as stage:
        (stage / "a.csv").write_text("new")
        raise RuntimeError("the simulation failed")
    assert names(out) == [MANIFEST, "a.csv"] and (out / "a.csv").read_text() == "old"
    with pytest.raises(RuntimeError), OutputDir(tmp_path / "new" / "o", "run").write():
        raise RuntimeError("the simulation failed")
    assert names(tmp_path) == ["o"]  # the folders it created are gone again


def test_a_live_writers_staging_folder_is_left_alone(tmp_path) -> None:
    out = tmp_path / "o"
    with OutputDir(out, "run").write() as stage:
        (stage / "a.csv").write_text("first")
        write_output(out, "run", {"b.csv": "second"})  # another writer meanwhile
        assert stage.exists()
    assert (out / "a.csv").read_text() == "first"


WRITER = """\
import os, signal, sys
from socsim.outputs import OutputDir

folder, version, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
steps = 0

def step(call):  # kill -9 this process just before its kill_at-th file-system step
    def counted(*args, **kwargs):
        global steps
        steps += 1
        if steps == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return call(*args, **kwargs)
    return counted

for name in ("replace", "rename", "rmdir", "unlink", "fsync", "write", "mkdir", "open"):
    setattr(os, name, step(getattr(os, name)))
with OutputDir(folder, "run").write() as stage:
    for i in range(4):
        (stage / f"f{i}.txt").write_text(version * 100)
"""


def output_version(folder: Path) -> str | None:
    """The version of a complete output in `folder`, None for no output; fails on a mix."""
    if not folder.exists() or not (folder / MANIFEST).exists():
        assert not folder.exists() or names(folder) == [], names(folder)
        return None
    files = [f"f{i}.txt" for i in range(4)]
    assert names(folder) == [MANIFEST, *files]
    contents = {(folder / name).read_text() for name in files}
    assert len(contents) == 1, "a mix of two outputs"
    return contents.pop()[0]


def test_a_kill_at_any_step_leaves_the_old_or_the_new_output(tmp_path) -> None:
    """kill -9 of a writer before each of its file-system calls in turn, first into a new
    folder, then over an earlier output: once the next command has recovered the folder, it
    holds the old output or the new one whole, and no staging folder."""
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER)
    out = tmp_path / "o"
    outcomes = []
    for version in "AB":
        for kill_at in range(1, 200):
            before = output_version(out)
            done = subprocess.run([sys.executable, str(writer), str(out), version, str(kill_at)])
            if out.exists():
                OutputDir(out, "run")  # what the next command into the folder does first
            after = output_version(out)
            if done.returncode == 0:
                assert after == version
                break
            assert done.returncode == -signal.SIGKILL
            assert after in (before, version)
            outcomes.append(after == version)
        else:
            pytest.fail("the writer never finished")
    assert True in outcomes and False in outcomes  # kills landed before and after the commit


def test_write_file_refuses_special_targets(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="holds the working directory"):
        write_file(".", "x", force=True)
    with pytest.raises(ConfigError, match="is empty"):
        write_file("", "x")
