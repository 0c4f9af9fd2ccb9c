"""Sweep specs: networks x SoC settings, expanded into design points with stable ids.

A spec (a YAML file or the same mapping in Python) has four keys:

- ``networks``: a list of zoo names, SCALE-Sim topology files (``.csv``, relative to the
  spec) or SqueezeNext variants, ``{squeezenext: {depth: [2, 4, 14, 1], conv1_k: 5}}``,
  whose fields (`depth`, `width`, `conv1_k`, `groups`, `first_block`; defaults as in
  `socsim.workloads.squeezenext.squeezenext`) may each be a list of values to cross.
- ``base``: the SoC every point starts from, a preset or a YAML SoC file (default
  squeezelerator-16x16).
- ``grid``: dotted config paths (``pe_array.rows``) to lists of values; every combination.
- ``random``: ``seed``, ``count`` and ``ranges``, dotted paths to ``[low, high]`` (integers
  if both ends are, inclusive), ``{low: .., high: .., log: true}`` (log-uniform) or
  ``{choice: [..]}``; `count` seeded samples, all different (fewer, with a warning, if the
  ranges hold fewer). With a grid too, every sample meets every
  grid point.

Everything is checked before anything runs: a bad path or value raises `ConfigError` naming
the spec, the key and the value. A point's id hashes the network's layers, the fully
resolved SoC config and the socsim version, so a rerun finds its results again however the
spec spells them, and results of a changed network or preset are not reused.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import math
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socsim import __version__
from socsim.components.config import SocConfig, with_overrides
from socsim.components.presets import DEFAULT_PRESET, load_soc
from socsim.errors import ConfigError, SocsimError
from socsim.limits import max_points
from socsim.workloads import Network, get_network, read_topology
from socsim.workloads.squeezenext import FIRST_BLOCKS, squeezenext
from socsim.yaml_input import read_yaml

logger = logging.getLogger(__name__)

SPEC_KEYS = ("networks", "base", "grid", "random")
MAX_DRAWS = 100  # per random sample asked: draws before giving up on finding a new one
RANDOM_KEYS = ("seed", "count", "ranges")


@dataclass(frozen=True)
class ZooNetwork:
    """A network of the model zoo, by its canonical name."""

    name: str

    @property
    def label(self) -> str:
        return self.name

    def build(self) -> Network:
        return get_network(self.name)


@dataclass(frozen=True)
class SqueezeNextNetwork:
    """A SqueezeNext variant: the arguments of `socsim.workloads.squeezenext.squeezenext`."""

    depth: tuple[int, int, int, int]
    width: float = 1.0
    conv1_k: int = 7
    groups: int = 1
    first_block: str = "shortcut"

    @property
    def label(self) -> str:
        """E.g. ``1.0-SqNxt-2-4-14-1-k5-projection`` (``-g2`` after the kernel if grouped)."""
        groups = f"-g{self.groups}" if self.groups > 1 else ""
        depth = "-".join(map(str, self.depth))
        return f"{self.width:.1f}-SqNxt-{depth}-k{self.conv1_k}{groups}-{self.first_block}"

    def build(self) -> Network:
        return _build_squeezenext(self)


@functools.lru_cache(maxsize=256)  # a worker meets the same variant once per SoC of a grid
def _build_squeezenext(spec: SqueezeNextNetwork) -> Network:
    return squeezenext(
        spec.label,
        width=spec.width,
        depth=spec.depth,
        conv1_k=spec.conv1_k,
        groups=spec.groups,
        first_block=spec.first_block,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class FileNetwork:
    """A SCALE-Sim topology file, read once by the driver; workers get the network itself
    (a remote worker need not see the file)."""

    path: str
    network: Network = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return self.path

    def build(self) -> Network:
        return self.network


NetworkSpec = ZooNetwork | SqueezeNextNetwork | FileNetwork


@dataclass(frozen=True)
class DesignPoint:
    """One network on one SoC: what a worker evaluates.

    `overrides` are the spec's settings for this point (dotted path, value), in the spec's
    order; `soc` is the base with them applied, already validated.
    """

    id: str
    network: NetworkSpec
    overrides: tuple[tuple[str, Any], ...]
    soc: SocConfig


@dataclass(frozen=True)
class Range:
    """Uniform (or log-uniform) on [low, high]; integers when both ends are integers."""

    low: float
    high: float
    log: bool = False

    @property
    def size(self) -> float:
        """How many values it can draw: high - low + 1 for integers, else infinitely many."""
        integer = isinstance(self.low, int) and isinstance(self.high, int)
        return self.high - self.low + 1 if integer else math.inf

    def sample(self, rng: random.Random) -> int | float:
        integer = isinstance(self.low, int) and isinstance(self.high, int)
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
            return min(max(round(value), self.low), self.high) if integer else value
        return rng.randint(self.low, self.high) if integer else rng.uniform(self.low, self.high)


@dataclass(frozen=True)
class Choice:
    """One of `values`, each equally likely."""

    values: tuple[Any, ...]

    @property
    def size(self) -> int:
        return len(set(map(repr, self.values)))

    def sample(self, rng: random.Random) -> Any:
        return rng.choice(self.values)


@dataclass(frozen=True)
class RandomSpace:
    seed: int
    count: int
    ranges: dict[str, Range | Choice]

    def samples(self) -> list[dict[str, Any]]:
        """`count` distinct settings, reproducible from the seed (paths drawn in the spec's
        order; a draw equal to an earlier one is drawn again). Fewer, with a warning saying
        why, when the ranges hold fewer combinations or `MAX_DRAWS` x `count` draws found
        no more (integer and choice ranges that repeat)."""
        rng = random.Random(self.seed)
        space = math.prod(dist.size for dist in self.ranges.values())
        wanted = min(self.count, space)
        drawn: dict[str, dict[str, Any]] = {}
        for _ in range(MAX_DRAWS * self.count):
            if len(drawn) == wanted:
                break
            sample = {path: dist.sample(rng) for path, dist in self.ranges.items()}
            drawn.setdefault(repr(sorted(sample.items())), sample)
        if len(drawn) < self.count:
            why = (
                f"the ranges hold only {space} combinations"
                if space < self.count
                else f"{MAX_DRAWS * self.count} draws repeated the others"
            )
            logger.warning(
                "random: %d distinct settings of the %d asked (count): %s", len(drawn),
                self.count, why,
            )  # fmt: skip
        return list(drawn.values())


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, validated spec. `text` is the YAML it came from (saved beside the results)."""

    networks: tuple[NetworkSpec, ...]
    base: SocConfig
    grid: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    random: RandomSpace | None = None
    source: str = "<spec>"
    text: str = ""

    def settings(self) -> list[dict[str, Any]]:
        """The override dicts: the grid's product, times the random samples if any."""
        grid = [dict(zip(self.grid, values, strict=True)) for values in _product(self.grid)]
        samples = self.random.samples() if self.random else [{}]
        return [{**g, **s} for g in grid for s in samples]

    @functools.cached_property
    def points(self) -> list[DesignPoint]:
        """Every (settings, network) pair, settings-major so that a worker's consecutive
        points share an SoC (and its mapping cache); repeated points appear once."""
        digests = {spec: network_digest(spec.build()) for spec in self.networks}
        points: dict[str, DesignPoint] = {}
        for overrides in self.settings():
            try:
                soc = with_overrides(self.base, overrides)
            except ConfigError as error:
                raise ConfigError(f"{self.source}: point {_json(overrides)}: {error}") from None
            for spec in self.networks:
                point = make_point(spec, soc, tuple(overrides.items()), digests[spec])
                points.setdefault(point.id, point)
        return list(points.values())


def make_point(
    network: NetworkSpec,
    soc: SocConfig,
    overrides: tuple[tuple[str, Any], ...] = (),
    digest: str | None = None,
) -> DesignPoint:
    """The point of `network` on `soc` (`overrides` only label it; `soc` already has them)."""
    digest = digest or network_digest(network.build())
    key = {"network": digest, "soc": asdict(soc), "socsim": __version__}
    point_id = hashlib.sha256(_json(key).encode()).hexdigest()[:16]
    return DesignPoint(point_id, network, overrides, soc)


def network_digest(network: Network) -> str:
    """A hash of what the simulation sees of a network: its input and its layers."""
    text = repr((network.input_shape, network.layers))
    return hashlib.sha256(text.encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _product(grid: dict[str, Sequence[Any]]) -> list[tuple[Any, ...]]:
    return list(itertools.product(*grid.values()))


# -- parsing ----------------------------------------------------------------------------------


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Reads and validates a YAML sweep spec; relative file names are relative to it."""
    path = Path(path)
    data, text = read_yaml(path, "a sweep spec file")
    return parse_spec(data, source=str(path), root=path.parent, text=text)


def parse_spec(
    data: Any, *, source: str = "<spec>", root: str | os.PathLike = ".", text: str | None = None
) -> SweepSpec:
    """Validates a spec mapping (see the module docstring) into a `SweepSpec`.

    Raises `ConfigError` (or `WorkloadError` for a network) prefixed with `source`.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: top level is {type(data).__name__}, expected a mapping")
    _known_keys(data, SPEC_KEYS, source, "")
    root = Path(root)
    base_name = data.get("base", DEFAULT_PRESET)
    if not isinstance(base_name, str):
        raise ConfigError(f"{source}: base={base_name!r}, expected a preset name or a YAML file")
    if base_name.lower().endswith((".yaml", ".yml")):
        base_name = str(root / base_name)
    base = _prefixed(source, "base", load_soc, base_name)
    networks = _parse_networks(data.get("networks"), source, root)
    grid = _parse_grid(data.get("grid") or {}, base, source)
    space = _parse_random(data["random"], base, source) if "random" in data else None
    if space:
        both = sorted(set(grid) & set(space.ranges))
        if both:
            raise ConfigError(f"{source}: {both[0]} is in both grid and random, expected one")
    size = math.prod(map(len, grid.values())) * (space.count if space else 1) * len(networks)
    _within_points(size, source, "networks x grid x random.count")
    if text is None:
        text = yaml.safe_dump(data, sort_keys=False)
    spec = SweepSpec(networks, base, grid, space, source, text)
    # Expanding the points validates every combination before anything runs.
    logger.debug("%s: %d design points", source, len(spec.points))
    return spec


def _within_points(size: int, source: str, what: str) -> None:
    """Refuses a spec of more than `socsim.limits.max_points()` points, counted, not built."""
    if size > max_points():
        raise ConfigError(
            f"{source}: {what} = {size:,} points, expected at most {max_points():,}: sweep "
            "fewer values, or raise the limit (--max-points, SOCSIM_MAX_POINTS)"
        )


def _known_keys(data: dict, allowed: Sequence[str], source: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(
                f"{source}: unknown key {where}{key!r}, expected one of {', '.join(allowed)}"
            )


def _prefixed(source: str, where: str, fn: Any, *args: Any) -> Any:
    """`fn(*args)`, with any `SocsimError` prefixed by the spec and the key it came from."""
    try:
        return fn(*args)
    except SocsimError as error:
        raise type(error)(f"{source}: {where}: {error}") from None


def _parse_networks(entries: Any, source: str, root: Path) -> tuple[NetworkSpec, ...]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"{source}: networks={entries!r}, expected a list of zoo names, topology files or "
            "squeezenext variants"
        )
    specs: list[NetworkSpec] = []
    for i, entry in enumerate(entries):
        where = f"networks[{i}]"
        if isinstance(entry, str) and entry.lower().endswith(".csv"):
            path = root / entry
            specs.append(FileNetwork(entry, _prefixed(source, where, read_topology, path)))
        elif isinstance(entry, str):
            specs.append(ZooNetwork(_prefixed(source, where, get_network, entry).name))
        elif isinstance(entry, dict) and list(entry) == ["squeezenext"]:
            specs += _parse_squeezenext(entry["squeezenext"], source, where + ".squeezenext")
        else:
            raise ConfigError(
                f"{source}: {where}={entry!r}, expected a zoo name, a .csv topology file or "
                "{squeezenext: {...}}"
            )
    for spec in specs:
        _prefixed(source, "networks", spec.build)  # the builder's own checks, before any run
    return tuple(dict.fromkeys(specs))


def _parse_squeezenext(fields: Any, source: str, where: str) -> list[SqueezeNextNetwork]:
    """The variants of one `squeezenext` entry: the product of its listed values."""
    if not isinstance(fields, dict) or "depth" not in fields:
        raise ConfigError(f"{source}: {where}={fields!r}, expected a mapping with at least 'depth'")
    allowed = ("depth", "width", "conv1_k", "groups", "first_block")
    _known_keys(fields, allowed, source, where + ".")
    options: dict[str, list[Any]] = {}
    for key, value in fields.items():
        many = isinstance(value, list) and (
            key != "depth" or any(isinstance(v, list) for v in value)
        )
        options[key] = [
            _squeezenext_value(key, v, source, where) for v in (value if many else [value])
        ]
    _within_points(math.prod(map(len, options.values())), source, f"{where} variants")
    return [
        SqueezeNextNetwork(**dict(zip(options, values, strict=True)))
        for values in _product(options)
    ]


def _squeezenext_value(key: str, value: Any, source: str, where: str) -> Any:
    ok, expected = True, ""
    if key == "depth":
        ok = (
            isinstance(value, list)
            and len(value) == 4
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
        )
        expected, value = "four positive block counts", tuple(value) if ok else value
    elif key == "width":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value) and value > 0
        expected, value = "a positive number", float(value) if ok else value
    elif key in ("conv1_k", "groups"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        expected = "a positive integer"
    else:
        ok, expected = value in FIRST_BLOCKS, " or ".join(FIRST_BLOCKS)
    if not ok:
        raise ConfigError(f"{source}: {where}.{key}={value!r}, expected {expected}")
    return value


def _parse_grid(grid: Any, base: SocConfig, source: str) -> dict[str, tuple[Any, ...]]:
    if not isinstance(grid, dict):
        raise ConfigError(f"{source}: grid={grid!r}, expected a mapping of config paths to lists")
    parsed: dict[str, tuple[Any, ...]] = {}
    for path, values in grid.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise ConfigError(f"{source}: grid: {path}=[], expected at least one value")
        for value in values:
            _prefixed(source, "grid", with_overrides, base, {path: value})
        parsed[str(path)] = tuple(values)
    return parsed


def _parse_random(section: Any, base: SocConfig, source: str) -> RandomSpace:
    if not isinstance(section, dict):
        raise ConfigError(
            f"{source}: random={section!r}, expected a mapping with seed, count, ranges"
        )
    _known_keys(section, RANDOM_KEYS, source, "random.")
    seed, count = section.get("seed", 0), section.get("count")
    for key, value, low in (("seed", seed, 0), ("count", count, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{source}: random.{key}={value!r}, expected an integer >= {low}")
    ranges = section.get("ranges")
    if not isinstance(ranges, dict) or not ranges:
        raise ConfigError(
            f"{source}: random.ranges={ranges!r}, expected a mapping of config paths to ranges"
        )
    parsed = {str(path): _parse_range(path, dist, source) for path, dist in ranges.items()}
    for path, dist in parsed.items():
        ends = dist.values if isinstance(dist, Choice) else (dist.low, dist.high)
        for value in ends:
            _prefixed(source, "random.ranges", with_overrides, base, {path: value})
    return RandomSpace(seed, count, parsed)


def _parse_range(path: str, dist: Any, source: str) -> Range | Choice:
    where = f"{source}: random.ranges.{path}={dist!r}"
    if isinstance(dist, dict) and list(dist) == ["choice"]:
        if not isinstance(dist["choice"], list) or not dist["choice"]:
            raise ConfigError(f"{where}, expected {{choice: [at least one value]}}")
        return Choice(tuple(dist["choice"]))
    if isinstance(dist, list) and len(dist) == 2:
        low, high, log = dist[0], dist[1], False
    elif isinstance(dist, dict) and {"low", "high"} <= set(dist) <= {"low", "high", "log"}:
        low, high, log = dist["low"], dist["high"], dist.get("log", False)
    else:
        raise ConfigError(f"{where}, expected [low, high], {{low, high, log}} or {{choice: [..]}}")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    if not numbers or low > high or not isinstance(log, bool) or (log and low <= 0):
        raise ConfigError(f"{where}, expected numbers low <= high (both > 0 if log)")
    return Range(low, high, log)
