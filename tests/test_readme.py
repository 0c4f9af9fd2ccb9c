"""The README's promises: its Python example runs, its quick start has exactly two commands."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_quick_start_is_two_commands_that_reproduce_the_paper_and_run_the_tests():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "socsim paper" in commands[0] and "pytest" in commands[1]
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert commands[1].split("#")[0].strip() in ci


def test_python_example_runs():
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
