"""Every script in examples/ runs to the end, prints what it promises, and writes no files.

The scripts are found by glob, so a new example is covered without touching this file;
pytorch_onnx.py is left to tests/test_examples_onnx.py, which knows how it skips.
"""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OWN_TESTS = {"pytorch_onnx.py"}  # tested in a file of their own

# Text each script must print; an example not listed only has to exit 0 with some output.
EXPECTED = {
    "camera_stream.py": ["1.0-SqNxt-23v5 on squeezelerator-16x16", "400 fps (overload)", "8/8"],
    "clusters.py": ["channels", "pipeline", "fps, 2x memory"],
    "custom_component.py": ["Invariants hold on 25 random"],
    "custom_accelerator.py": ["YAML config equals the Python one: True", "wide (YAML)"],
    "dataflows.py": ["auto-energy", "MobileNet", "Layers the per-layer choice ran as WS"],
    "scalesim_topology.py": [
        "squeezenext_block: 11 layers",
        "b2_expand",
        "its MACs match the conv and fc layers': True",
    ],
}

SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name not in OWN_TESTS)


def test_every_expectation_names_an_existing_example() -> None:
    assert set(EXPECTED) <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_and_prints_its_table(name: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=tmp_path,  # examples find their data next to themselves, not in the cwd
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    for text in EXPECTED.get(name, []):
        assert text in done.stdout, f"{text!r} missing from the output of {name}"
    assert not list(tmp_path.iterdir()), "the example wrote files without --out"
