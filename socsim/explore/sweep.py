"""Running design points: skip what the dataset holds, stream the rest through an executor
into it; and a sweep spec end to end, with its Pareto front."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from socsim.explore.evaluate import CONFIG_SCHEMA, rows_frame
from socsim.explore.executors import Executor, make_executor, run_chunks
from socsim.explore.pareto import pareto, pareto_figure
from socsim.explore.spec import DesignPoint, SweepSpec, load_spec
from socsim.explore.store import PARTS, PartWriter, ResultStore
from socsim.outputs import OutputDir

SWEEP_FILES = ("spec.yaml", PARTS, "pareto.csv", "pareto.png")  # what a sweep's folder holds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """The rows of a run's points (in the points' order), its Pareto front, and the split
    between points evaluated now and points the dataset already held."""

    results: pd.DataFrame
    front: pd.DataFrame
    computed: int
    reused: int

    @property
    def errors(self) -> pd.DataFrame:
        return self.results[self.results["status"] != "ok"]


def run_points(
    points: Sequence[DesignPoint],
    *,
    executor: Executor | None = None,
    store: ResultStore | None = None,
    retry_errors: bool = False,
    progress: bool | None = False,
    batch_rows: int = 64,
    batch_seconds: float = 10.0,
) -> SweepResult:
    """Evaluates the points `store` does not hold yet (all of them without a store); points
    with the same id (the same network on the same SoC) run once.

    Points recorded with an error are rerun only with `retry_errors`. Rows reach the store
    in parts of `batch_rows` rows or every `batch_seconds`, and when the run stops for any
    reason, so an interrupted run loses at most the points in flight. `executor` defaults
    to local processes on every CPU (closed at the end; one passed in is left open).
    `progress` shows a bar on stderr (None: only if stderr is a terminal).
    """
    unique: dict[str, DesignPoint] = {}
    for point in points:
        unique.setdefault(point.id, point)
    points = list(unique.values())
    done = store.completed(retry_errors=retry_errors) if store else set()
    todo = [point for point in points if point.id not in done]
    rows: list[dict] = []
    if todo:
        own = executor is None
        executor = executor or make_executor()
        logger.info(
            "%d points: %d already done, computing %d on %s",
            len(points), len(points) - len(todo), len(todo), executor.name,
        )  # fmt: skip
        writer = PartWriter(store, batch_rows, batch_seconds) if store else None
        bar = tqdm(
            total=len(todo),
            desc="sweep",
            unit="pt",
            file=sys.stderr,
            disable=None if progress is None else not progress,
        )
        try:
            for chunk in run_chunks(executor, todo):
                if writer:
                    writer.add(chunk)
                else:
                    rows += chunk
                bar.update(len(chunk))
        finally:
            if writer:
                writer.flush()  # even when interrupted: what is done stays done
            bar.close()
            if own:
                executor.close()
    frame = store.read() if store else rows_frame(rows)
    position = {point.id: i for i, point in enumerate(points)}
    frame = (
        frame[frame["point_id"].isin(position.keys())]
        .assign(_position=lambda f: f["point_id"].map(position))
        .sort_values("_position")
        .drop(columns="_position")
        .reset_index(drop=True)
    )
    return SweepResult(frame, pareto(frame), len(todo), len(points) - len(todo))


def sweep(
    spec: SweepSpec | str | os.PathLike,
    out: str | os.PathLike,
    *,
    executor: Executor | None = None,
    retry_errors: bool = False,
    progress: bool | None = False,
    batch_rows: int = 64,
    batch_seconds: float = 10.0,
    force: bool = False,
) -> SweepResult:
    """Runs a sweep spec (or spec file) into the dataset in directory `out`.

    Writes ``out/spec.yaml`` (the spec), ``out/parts/`` (the rows; see `ResultStore`) and
    the Pareto front in (time, energy, parameters) as ``out/pareto.csv`` and
    ``out/pareto.png``. Rerunning computes only the points missing from `out` (see
    `run_points` for the other arguments). `out` must be new, empty or a sweep's dataset,
    or with `force` hold no foreign file of those names (see `socsim.outputs`).
    """
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    OutputDir(out, "sweep", force=force).claim(SWEEP_FILES)
    store = ResultStore(out)
    store.write_file("spec.yaml", lambda stream: stream.write(spec.text))
    result = run_points(
        spec.points,
        executor=executor,
        store=store,
        retry_errors=retry_errors,
        progress=progress,
        batch_rows=batch_rows,
        batch_seconds=batch_seconds,
    )
    store.write_file("pareto.csv", lambda stream: result.front.to_csv(stream, index=False))
    figure = pareto_figure(result.results, result.front)
    store.write_file("pareto.png", lambda s: figure.savefig(s, format="png", dpi=120), "wb")
    return result


def front_table(front: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The front for reading: network, the config fields that vary across `results`, time
    (ms), energy, parameters (millions), cycles and utilisation."""
    varied = [
        column
        for column in CONFIG_SCHEMA
        if column != "soc" and results[column].nunique(dropna=False) > 1
    ]
    table = front[["network", *varied]].copy()
    table["time_ms"] = front["seconds"] * 1e3
    table["energy"] = front["energy_total"]
    table["params_M"] = front["params"] / 1e6
    table["cycles"] = front["cycles"]
    table["utilization"] = front["utilization"]
    return table.reset_index(drop=True)


def sweep_report(result: SweepResult, max_errors: int = 5) -> str:
    """What a run did, its first failures, and its Pareto front, as aligned text."""
    errors = result.errors
    text = (
        f"{len(result.results)} points: {result.computed} computed now, {result.reused} "
        f"found in the dataset, {len(errors)} failed\n"
    )
    for _, row in errors.head(max_errors).iterrows():
        text += f"  failed: {row['point_id']} {row['network']} {row['overrides']}: {row['error']}\n"
    ok = len(result.results) - len(errors)
    text += f"\nPareto front in (time, energy, parameters): {len(result.front)} of {ok} designs\n"
    table = front_table(result.front, result.results)
    return text + table.to_string(index=False, float_format="{:.4g}".format) + "\n"
