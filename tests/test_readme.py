"""The README's promises: its Python snippets (and the event log page's) run as printed, its
quick start has exactly two commands."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_that_reproduce_the_paper_and_run_the_tests():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "socsim paper" in commands[0] and "pytest" in commands[1]
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert commands[1].split("#")[0].strip() in ci


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize(
    ("page", "number"),
    [("README.md", 0), ("README.md", 1), ("docs/events.md", 0)],
)
def test_python_snippets_run_as_printed(page, number, monkeypatch):
    """Each Python block runs exactly as printed, as a module of its own (dataclasses need
    one); the test functions it defines (the property test of one's own component) run and
    pass too."""
    blocks = python_blocks((ROOT / page).read_text())
    module = types.ModuleType(f"snippet_{number}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(blocks[number], page, "exec"), module.__dict__)
    for name, value in vars(module).items():
        if name.startswith("test_") and callable(value):
            value()


def test_every_python_snippet_is_tested():
    assert len(python_blocks(README)) == 2
    assert len(python_blocks((ROOT / "docs" / "events.md").read_text())) == 1
