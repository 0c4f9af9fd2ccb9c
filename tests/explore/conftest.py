"""Sweeps small enough to simulate in a few hundredths of a second per point."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

# Two four- and five-block SqueezeNexts on eight array and buffer combinations: 16 points.
TINY = {
    "networks": [{"squeezenext": {"depth": [[1, 1, 1, 1], [1, 1, 2, 1]], "conv1_k": 5}}],
    "base": "squeezelerator-16x16",
    "grid": {
        "pe_array.rows": [8, 16],
        "pe_array.cols": [8, 16],
        "global_buffer.size_bytes": [32768, 131072],
    },
}


@pytest.fixture
def tiny() -> dict:
    """The tiny spec as a mapping, to change at will."""
    return copy.deepcopy(TINY)


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    """The tiny spec as a YAML file."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, sort_keys=False))
    return path
