"""Imports go one way, down socsim's layers (see the package docstrings and DESIGN.md).

`ALLOWED` is the layer table: the packages each package may import. `energy`, `errors`,
`enums`, the checks of user input (`checks`, `yaml_input`, `limits`) and the root `socsim`
(for `__version__`) are leaves every layer may use; the summarize step and `bounds` (what
bounds a run) sit below `simulation`, which sits below the reports that read its
`Result`. Checked two ways: the static graph (`bench/import_graph.py`, every import
statement, typing-only and function-level ones included) must hold no arrow outside the
table, and importing each package alone in a fresh interpreter must load only socsim
packages it may reach.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

LEAVES = {"errors", "enums", "energy", "socsim", "checks", "yaml_input", "limits"}
ALLOWED = {
    "errors": set(),
    "checks": {"errors"},
    "yaml_input": {"errors"},
    "limits": {"errors", "checks"},
    "enums": set(),
    "socsim": {"errors"},
    "energy": {"errors"},
    "outputs": {"errors", "socsim"},
    "workloads": {"errors", "enums"},
    "dataflow": {"workloads"},
    "components": {"workloads", "dataflow"},
    "summarize": {"workloads", "dataflow", "components"},
    "bounds": {"workloads", "dataflow", "components"},
    "simulation": {"workloads", "dataflow", "components", "summarize", "bounds"},
    "report": {"workloads", "dataflow", "components", "summarize", "simulation", "outputs"},
    "testing": {"workloads", "dataflow", "components", "summarize", "simulation"},
    "explore": {
        *("workloads", "dataflow", "components", "summarize", "simulation", "report"),
        "outputs",
    },
    "cli": {
        *("workloads", "dataflow", "components", "summarize", "simulation", "report"),
        *("explore", "outputs"),
    },
    "__main__": {"cli"},
}

spec = importlib.util.spec_from_file_location(
    "import_graph", Path(__file__).parent.parent / "bench" / "import_graph.py"
)
import_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_graph)
GRAPH = import_graph.package_graph()


def reachable(package: str) -> set[str]:
    """The packages `package` may load, directly or through the ones it may import."""
    seen, todo = set(), [package]
    while todo:
        for target in ALLOWED[todo.pop()] | LEAVES:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen - {package}


def test_every_package_is_in_the_table():
    assert set(GRAPH) == set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_the_allowed_packages(package):
    """No import statement of the package points outside its row of the table."""
    assert GRAPH[package] - ALLOWED[package] - LEAVES == set()


def test_the_table_has_no_cycle():
    """Allowed arrows never lead back to where they started, leaves included."""
    for package in ALLOWED:
        assert package not in reachable(package), package


FRESH = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({m.split(".")[1] for m in sys.modules if m.startswith("socsim.")})))
"""


@pytest.mark.parametrize(
    "package", ["workloads", "dataflow", "energy", "components", "simulation", "report"]
)
def test_a_fresh_import_loads_only_what_the_package_may_reach(package):
    """Importing the package alone succeeds (no cycle half-initialises a module) and
    loads no socsim package above it."""
    out = subprocess.run(
        [sys.executable, "-c", FRESH, f"socsim.{package}"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(out.stdout)) - {package}
    assert loaded <= reachable(package)
