"""examples/pytorch_onnx.py runs to the end: it simulates its PyTorch model, or says torch is
missing and exits 0."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pytorch_onnx.py"


def test_pytorch_onnx_example_simulates_its_model_or_skips_cleanly() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    if "not installed; skipping" in done.stdout:
        assert done.stdout.count("\n") == 1
        pytest.skip(done.stdout.strip())
    assert done.stdout.startswith("tiny_sqnxt: 24 layers, ")
    assert "head/head.3/Gemm" in done.stdout  # the Linear, read as an fc layer
    assert "soc              squeezelerator-16x16" in done.stdout
