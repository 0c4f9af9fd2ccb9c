"""What a worker runs: one design point in, one result row out; and the rows' schema.

A row holds the point's id, network and overrides, every field of its SoC config (dotted
paths as columns; the config's `name` is the `soc` column), the simulation's headline
figures, `status` (``ok`` or ``error``) with the `error`, and where and when it ran. Every
row has every column with a fixed dtype, so dataset parts always concatenate cleanly.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any, get_args, get_type_hints

import pandas as pd

from socsim.components.config import SocConfig
from socsim.energy import LEVELS
from socsim.explore.spec import DesignPoint
from socsim.simulation import simulate

logger = logging.getLogger(__name__)

ENERGY_KEYS = (*LEVELS, "idle", "total")


def _config_schema(cls: type = SocConfig, prefix: str = "") -> dict[str, str]:
    """Column name -> dtype for every config field, recursing into the sections."""
    schema: dict[str, str] = {}
    hints = get_type_hints(cls)
    for f in fields(cls):
        kind = hints[f.name]
        if is_dataclass(kind):
            schema.update(_config_schema(kind, f"{prefix}{f.name}."))
            continue
        kind = next((k for k in get_args(kind) if k is not type(None)), kind)  # X | None
        dtype = {int: "Int64", float: "float64", bool: "boolean"}.get(kind, "string")
        schema["soc" if prefix + f.name == "name" else prefix + f.name] = dtype
    return schema


CONFIG_SCHEMA = _config_schema()
METRIC_SCHEMA = {
    "cycles": "Int64",  # one frame, first arrival to finish
    "seconds": "float64",
    "macs": "Int64",  # the network's, by the paper's convention (bias counted)
    "params": "Int64",
    "dram_bytes": "Int64",
    "utilization": "float64",  # MACs / (cycles x PEs)
    **{f"energy_{key}": "float64" for key in ENERGY_KEYS},
    "energy_unit": "string",
}
SCHEMA = {
    "point_id": "string",
    "network": "string",
    "status": "string",  # "ok" or "error"
    "error": "string",  # "<ExceptionType>: <message>" when status is "error"
    "overrides": "string",  # the spec's settings for the point, as JSON
    **CONFIG_SCHEMA,
    **METRIC_SCHEMA,
    "elapsed_s": "float64",  # wall time of the evaluation
    "worker": "string",  # host:pid that evaluated the point
    "finished": "datetime64[ns, UTC]",
}


def config_values(soc: SocConfig) -> dict[str, Any]:
    """The config as one flat dict keyed like `CONFIG_SCHEMA` (enums as their values)."""
    values: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            else:
                name = prefix + f.name
                values["soc" if name == "name" else name] = value

    walk(soc, "")
    return values


def evaluate(point: DesignPoint) -> dict[str, Any]:
    """Simulates one frame of the point's network on its SoC and returns the row.

    Any exception is the point's result, recorded in `error`: one bad point must not stop
    a sweep of thousands.
    """
    start = time.perf_counter()
    row = _point_columns(point)
    try:
        network = point.network.build()
        row.update(macs=network.macs, params=network.params)
        summary = simulate(network, point.soc, keep_events=False).summary
    except Exception as error:  # recorded in the row, see the docstring
        logger.debug("point %s failed", point.id, exc_info=True)
        row.update(status="error", error=f"{type(error).__name__}: {error}")
    else:
        row.update(
            status="ok",
            cycles=summary["cycles"],
            seconds=summary["seconds"],
            dram_bytes=summary["dram_bytes"],
            utilization=summary["utilization"],
            energy_unit=summary["energy_unit"],
            **{f"energy_{key}": summary["energy"][key] for key in ENERGY_KEYS},
        )
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return _finished(row, time.perf_counter() - start, worker)


def lost_row(point: DesignPoint, error: BaseException) -> dict[str, Any]:
    """The row of a point whose evaluation killed the worker running it."""
    row = _point_columns(point)
    row.update(status="error", error=f"worker lost ({type(error).__name__}: {error})")
    return _finished(row, float("nan"), None)


def _point_columns(point: DesignPoint) -> dict[str, Any]:
    return {
        "point_id": point.id,
        "network": point.network.label,
        "overrides": json.dumps(dict(point.overrides), default=str),
        **config_values(point.soc),
    }


def _finished(row: dict[str, Any], elapsed: float, worker: str | None) -> dict[str, Any]:
    row.update(elapsed_s=elapsed, worker=worker, finished=pd.Timestamp.now(tz="UTC"))
    return row


def evaluate_chunk(points: Sequence[DesignPoint]) -> list[dict[str, Any]]:
    """`evaluate` over a chunk: one task per chunk amortises the cost of shipping tasks."""
    return [evaluate(point) for point in points]


def rows_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame with every column of `SCHEMA`, in order, with its dtype."""
    return pd.DataFrame.from_records(list(rows), columns=list(SCHEMA)).astype(SCHEMA)
