"""Prints socsim's import graph by package: which package imports which.

A package is a subpackage (`socsim.dataflow`) or a top-level module (`socsim.energy`); an
arrow A -> B means some module of A imports some module of B, at the top or inside a
function, typing-only imports included (they are read with `ast`, nothing is imported).
tests/test_import_layers.py checks the arrows against the allowed table.

    .venv/bin/python bench/import_graph.py
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "socsim"


def package_of(module: str) -> str:
    """`socsim.report.summary` -> `report`; `socsim` itself -> `socsim`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imported_modules(path: Path, module: str) -> set[str]:
    """Every socsim module the file imports (`from socsim.x import y` counts as socsim.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                base = module.split(".")[: -node.level]
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return {name for name in found if name == "socsim" or name.startswith("socsim.")}


def package_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Package -> the other packages it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).with_suffix("")
        module = ".".join(p for p in relative.parts if p != "__init__")
        source = package_of(module)
        graph[source]  # every package is a node, even with no arrows
        for target in map(package_of, imported_modules(path, module)):
            if target != source:
                graph[source].add(target)
    return dict(graph)


def main() -> None:
    for package, targets in sorted(package_graph().items()):
        print(f"{package:12} -> {', '.join(sorted(targets)) or '-'}")


if __name__ == "__main__":
    main()
