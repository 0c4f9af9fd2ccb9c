"""Reading a user's YAML file (a SoC file, a sweep spec) with limits, into plain data.

PyYAML's `safe_load` builds only plain data, but trusts the text's size: an alias bomb
(a few lines whose aliases expand to 10^9 values) is read in a moment and exhausts memory
the first time anything walks it, and a few thousand nested brackets end in a
RecursionError. `read_yaml` refuses both, names a file that is a directory, unreadable
or not UTF-8, and reads `1e9` as the number a person means (YAML 1.1 wants `1.0e9`).
Every refusal is a `ConfigError` naming the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from socsim.errors import ConfigError

MAX_BYTES = 1 << 20  # a SoC file or a sweep spec is a few hundred bytes
MAX_DEPTH = 50  # nesting levels; a SoC file uses 2, a sweep spec 5
MAX_VALUES = 100_000  # values once every alias is expanded


class _Loader(yaml.SafeLoader):
    """The safe loader, with nesting bounded as it composes and `1e9` read as a float."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth = getattr(self, "_depth", 0) + 1
        if self._depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_DEPTH} levels deep",
                problem_mark=self.peek_event().start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _expanded(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values `node` stands for once its aliases are expanded (an alias is the
    node it names, so its size is counted again each time it is used)."""
    if id(node) not in sizes:
        children = node.value if isinstance(node.value, list) else []
        items = (
            (c for pair in children for c in pair)
            if isinstance(node, yaml.MappingNode)
            else children
        )
        sizes[id(node)] = 1 + sum(_expanded(child, sizes) for child in items)
    return sizes[id(node)]


def read_yaml(path: str | os.PathLike, what: str) -> tuple[Any, str]:
    """The data and text of the YAML file at `path`, which should be `what` ("a SoC file").

    Raises `ConfigError` for a missing, unreadable, oversized, non-UTF-8 or malformed file,
    nesting deeper than `MAX_DEPTH` and aliases expanding past `MAX_VALUES` values.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: {size:,} bytes, expected {what} of at most {MAX_BYTES:,}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file, expected {what}") from None
    except OSError as error:  # a directory, no permission
        raise ConfigError(f"{path}: cannot read ({error.strerror}), expected {what}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = raw[error.start : error.start + 1]
        raise ConfigError(
            f"{path}: cannot read (byte {error.start} is {byte!r}, not UTF-8), expected {what}"
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded(node, {}) > MAX_VALUES:
            raise ConfigError(
                f"{path}: its aliases expand to more than {MAX_VALUES:,} values, expected {what}"
            )
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or error
        raise ConfigError(f"{path}{where}: {problem}, expected {what}") from None
    except ValueError as error:  # a scalar Python will not convert: an integer of 5,000 digits
        raise ConfigError(f"{path}: {str(error).split(':')[0]}, expected {what}") from None
    finally:
        loader.dispose()
    return data, text
