"""The SqueezeNext paper's hardware study (Table 3), simulated and set beside the paper.

Every network of Table 3 runs on both Squeezelerator presets with the same calibrated
parameters (docs/calibration.md). Time is normalised per preset by the fastest network of
the table, as the paper does; energy is in the paper's units (Eyeriss costs, one MAC = 1).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from socsim.components.config import ScheduleConfig, with_overrides
from socsim.components.presets import get_preset
from socsim.outputs import OutputDir
from socsim.simulation import Result, simulate

# Gholami et al., "SqueezeNext: Hardware-Aware Neural Network Design", CVPR-W 2018,
# Table 3: model, params (M), MACs (M), top-1, top-5, time and energy on the 8x8 / 32 KB
# and 16x16 / 128 KB Squeezelerator (time normalised by the fastest network per column).
TABLE3 = pd.DataFrame(
    [
        ("AlexNet", 60.9, 725, 57.10, 80.30, 5.46, 1.6e10, 8.26, 1.5e10),
        ("SqueezeNet-v1.0", 1.2, 837, 57.50, 80.30, 3.42, 6.7e9, 2.59, 4.5e9),
        ("SqueezeNet-v1.1", 1.2, 352, 57.10, 80.30, 1.60, 3.3e9, 1.31, 2.4e9),
        ("TinyDarknet", 1.0, 495, 58.70, 81.70, 1.92, 3.8e9, 1.50, 2.5e9),
        ("1.0-SqNxt-23", 0.72, 282, 59.05, 82.60, 1.17, 3.2e9, 1.22, 2.5e9),
        ("1.0-SqNxt-23v2", 0.74, 228, 58.55, 82.09, 1.00, 2.8e9, 1.13, 2.4e9),
        ("1.0-SqNxt-23v3", 0.74, 228, 58.18, 81.96, 1.00, 2.7e9, 1.08, 2.3e9),
        ("1.0-SqNxt-23v4", 0.77, 228, 59.09, 82.41, 1.00, 2.6e9, 1.02, 2.2e9),
        ("1.0-SqNxt-23v5", 0.94, 228, 59.24, 82.41, 1.00, 2.6e9, 1.00, 2.0e9),
        ("MobileNet", 4.2, 574, 67.50, 86.59, 2.94, 9.1e9, 2.60, 5.8e9),
        ("2.0-SqNxt-23", 2.4, 749, 67.18, 88.17, 3.24, 8.1e9, 2.72, 5.9e9),
        ("2.0-SqNxt-23v4", 2.56, 708, 66.95, 87.89, 3.17, 7.5e9, 2.55, 5.4e9),
        ("2.0-SqNxt-23v5", 3.23, 708, 67.44, 88.20, 3.17, 7.4e9, 2.55, 5.4e9),
    ],
    columns=[
        "model", "params_M", "macs_M", "top1", "top5",
        "time_8x8", "energy_8x8", "time_16x16", "energy_16x16",
    ],
).set_index("model")  # fmt: skip

PRESETS = {"8x8": "squeezelerator-8x8", "16x16": "squeezelerator-16x16"}
COLUMNS = [
    "model",
    *(
        f"{prefix}{kind}_{tag}"
        for tag in PRESETS
        for kind in ("time", "energy")
        for prefix in ("", "paper_")
    ),
]
HEADLINE = ("1.0-SqNxt-23", "1.0-SqNxt-23v5", "16x16")  # the paper's caption compares these
DRAWN = ("1.0-SqNxt-23v5", "16x16")  # the one run whose events are kept: timeline and power


@dataclass(frozen=True)
class Reproduction:
    """The simulated Table 3: `table` (one row per network, contract columns first),
    `fidelity` (per preset: rank correlations and errors), `headline`, every `Result` (only
    the `DRAWN` run keeps its events) and the execution `schedule` each preset ran
    (`socsim.components.schedule`)."""

    table: pd.DataFrame
    fidelity: pd.DataFrame
    headline: dict[str, Any]
    results: dict[tuple[str, str], Result]
    schedule: dict[str, ScheduleConfig]


def _run(job: tuple[str, str, tuple]) -> tuple[tuple[str, str], Result]:
    model, tag, overrides = job
    soc = with_overrides(get_preset(PRESETS[tag]), dict(overrides))
    return (model, tag), simulate(model, soc, keep_events=(model, tag) == DRAWN)


def reproduce(
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Reproduction:
    """Simulates every Table 3 network on both presets (in `workers` processes), each
    preset with `overrides` (dotted keys, as `with_overrides` takes them: say
    `{"schedule.fusion": "none"}`) applied.

    `progress(done, total)` is called after each simulation.
    """
    changes = tuple((overrides or {}).items())
    jobs = [(model, tag, changes) for tag in PRESETS for model in TABLE3.index]
    results: dict[tuple[str, str], Result] = {}
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for key, result in pool.map(_run, jobs):
                results[key] = result
                if progress:
                    progress(len(results), len(jobs))
    else:
        for job in jobs:
            key, results[key] = _run(job)
            if progress:
                progress(len(results), len(jobs))
    table = compare(results)
    schedule = {PRESETS[tag]: results[(TABLE3.index[0], tag)].soc.schedule for tag in PRESETS}
    return Reproduction(table, fidelity(table), headline(table), results, schedule)


def compare(results: dict[tuple[str, str], Result]) -> pd.DataFrame:
    """Simulated beside paper values, one row per network (the `socsim paper` csv)."""
    table = pd.DataFrame({"model": TABLE3.index})
    for tag in PRESETS:
        cycles = table["model"].map(lambda m, t=tag: results[(m, t)].summary["cycles"])
        table[f"time_{tag}"] = cycles / cycles.min()
        table[f"paper_time_{tag}"] = table["model"].map(TABLE3[f"time_{tag}"])
        table[f"energy_{tag}"] = table["model"].map(
            lambda m, t=tag: results[(m, t)].summary["energy"]["total"]
        )
        table[f"paper_energy_{tag}"] = table["model"].map(TABLE3[f"energy_{tag}"])
        table[f"cycles_{tag}"] = cycles
    table["params_M"] = table["model"].map(TABLE3["params_M"])
    table["top1"] = table["model"].map(TABLE3["top1"])
    return table[COLUMNS + [c for c in table.columns if c not in COLUMNS]]


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman rank correlation (Pearson on average ranks)."""
    return float(a.rank().corr(b.rank()))


def fidelity(table: pd.DataFrame) -> pd.DataFrame:
    """Per preset: Spearman correlation, median and worst relative error of time and energy."""
    rows = []
    for tag in PRESETS:
        row: dict[str, Any] = {"preset": PRESETS[tag]}
        for kind in ("time", "energy"):
            sim, paper = table[f"{kind}_{tag}"], table[f"paper_{kind}_{tag}"]
            error = (sim / paper - 1).abs()
            row[f"spearman_{kind}"] = spearman(sim, paper)
            row[f"median_error_{kind}"] = float(error.median())
            row[f"worst_error_{kind}"] = float(error.max())
            row[f"worst_{kind}_model"] = table.loc[error.idxmax(), "model"]
        rows.append(row)
    return pd.DataFrame(rows).set_index("preset")


def headline(table: pd.DataFrame) -> dict[str, Any]:
    """The paper's caption: v5 against v1 on 16x16, faster by and more energy-efficient by."""
    base, better, tag = HEADLINE
    rows = table.set_index("model")

    def gains(prefix: str) -> tuple[float, float]:
        time = rows.loc[base, f"{prefix}time_{tag}"] / rows.loc[better, f"{prefix}time_{tag}"] - 1
        energy = (
            rows.loc[base, f"{prefix}energy_{tag}"] / rows.loc[better, f"{prefix}energy_{tag}"] - 1
        )
        return float(time), float(energy)

    sim_time, sim_energy = gains("")
    paper_time, paper_energy = gains("paper_")
    return {
        "comparison": f"{better} against {base} on {PRESETS[tag]}",
        "faster_by": sim_time,
        "more_energy_efficient_by": sim_energy,
        "paper_faster_by": paper_time,
        "paper_more_energy_efficient_by": paper_energy,
        "holds": sim_time > 0 and sim_energy > 0,
    }


def formatted(reproduction: Reproduction) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 3 and the fidelity table as strings, for people: times to two decimals, energy
    to three figures, errors as percentages, correlations to three decimals; the fidelity
    table's preset a column."""
    table = reproduction.table[COLUMNS].copy()
    for column in table.columns:
        if column.startswith(("time", "paper_time")):
            table[column] = table[column].map(lambda v: f"{v:.2f}")
        elif "energy" in column:
            table[column] = table[column].map(lambda v: f"{v:.2e}")
    fid = reproduction.fidelity.reset_index()
    for column in fid.columns:
        if "_error_" in column:
            fid[column] = fid[column].map(lambda v: f"{v:.1%}")
        elif column.startswith("spearman"):
            fid[column] = fid[column].map(lambda v: f"{v:.3f}")
    return table, fid


def render_text(reproduction: Reproduction, markdown: bool = False) -> str:
    """The side-by-side table, the fidelity figures and the headline as text or Markdown."""
    table, fid = formatted(reproduction)
    h = reproduction.headline
    lines = [
        schedule_text(reproduction),
        f"Headline: {h['comparison']}: faster by {h['faster_by']:.0%} (paper {h['paper_faster_by']:.0%}), "
        f"more energy-efficient by {h['more_energy_efficient_by']:.0%} "
        f"(paper {h['paper_more_energy_efficient_by']:.0%})",
    ]
    if markdown:
        return (
            "\n\n".join(
                [
                    "## Table 3, simulated beside the paper",
                    _markdown(table),
                    "## Fidelity",
                    _markdown(fid),
                    *lines,
                ]
            )
            + "\n"
        )
    return (
        "\n".join([table.to_string(index=False), "", fid.to_string(index=False), "", *lines]) + "\n"
    )


def schedule_text(reproduction: Reproduction) -> str:
    """Which execution schedule each preset ran, as one line."""
    ran = "; ".join(
        f"{preset} fusion={schedule.fusion.value} residency={schedule.residency:g}"
        for preset, schedule in reproduction.schedule.items()
    )
    return f"Schedule: {ran}"


def _markdown(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


SQNXT_VARIANTS = [
    "1.0-SqNxt-23",
    "1.0-SqNxt-23v2",
    "1.0-SqNxt-23v3",
    "1.0-SqNxt-23v4",
    "1.0-SqNxt-23v5",
]


def figures(reproduction: Reproduction, out: Path) -> dict[str, Path]:
    """The paper's Figures 6 to 8 from the simulation, plus a timeline, power and DRAM
    traffic per layer (weights and activations, layer by layer beside the schedule that
    ran) of v5.

    Returns the figure files by caption.
    """
    from socsim.report import plots  # matplotlib loads only when figures are drawn

    results, table = reproduction.results, reproduction.table
    made: dict[str, Path] = {}
    for tag in PRESETS:
        variants = {name: results[(name, tag)] for name in SQNXT_VARIANTS}
        made[f"Per-layer time and efficiency, SqueezeNext v1 to v5, {tag} (Figure 6)"] = (
            plots.plot_layer_times(variants, out / f"fig6_layers_{tag}.png")
        )
        made[f"Time per stage, SqueezeNext v1 to v5, {tag} (Figure 8)"] = plots.plot_stage_times(
            variants, out / f"fig8_stages_{tag}.png"
        )
        accuracy = pd.DataFrame(
            {
                "model": table["model"],
                "top1": table["top1"],
                "params_M": table["params_M"],
                "time": table[f"time_{tag}"],
                "energy": table[f"energy_{tag}"],
            }
        )
        made[f"Accuracy against energy and time, {tag} (Figure 7)"] = plots.plot_accuracy_vs_cost(
            accuracy, out / f"fig7_accuracy_{tag}.png", PRESETS[tag]
        )
    v5 = results[DRAWN]
    layer_by_layer = simulate(v5.network, with_overrides(v5.soc, {"schedule.fusion": "none"}))
    fusion = v5.soc.schedule.fusion.value
    made["DRAM traffic per layer, 1.0-SqNxt-23v5 on squeezelerator-16x16"] = (
        plots.plot_layer_traffic(
            {"fusion none": layer_by_layer, f"fusion {fusion} (ran)": v5},
            out / "dram_layers_v5_16x16.png",
        )
    )
    made["Timeline of 1.0-SqNxt-23v5 on squeezelerator-16x16"] = plots.plot_timeline(
        v5, out / "timeline_v5_16x16.png"
    )
    made["Power over time, 1.0-SqNxt-23v5 on squeezelerator-16x16"] = plots.plot_power(
        v5, out / "power_v5_16x16.png"
    )
    return made


def write_report(reproduction: Reproduction, out: OutputDir | str | os.PathLike) -> None:
    """Writes comparison.csv, fidelity.csv, report.md, the figures and a self-contained
    report.html into the folder `out`, all or nothing (see `socsim.outputs` for which
    folders it may write into)."""
    with OutputDir.of(out, "paper").write() as tmp:
        reproduction.table.to_csv(tmp / "comparison.csv", index=False)
        reproduction.fidelity.to_csv(tmp / "fidelity.csv")
        (tmp / "report.md").write_text(render_text(reproduction, markdown=True))
        made = figures(reproduction, tmp)
        (tmp / "report.html").write_text(_html(reproduction, made))


def _html(reproduction: Reproduction, made: dict[str, Path]) -> str:
    """A self-contained page that fits a 1400-pixel window: the tables as `formatted` gives
    them, headers wrapping at their underscores, the figures inline."""
    images = "\n".join(
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,"
        f"{base64.b64encode(path.read_bytes()).decode()}'><figcaption>{html.escape(caption)}"
        "</figcaption></figure>"
        for caption, path in made.items()
    )
    table, fid = formatted(reproduction)

    def html_table(frame: pd.DataFrame) -> str:
        # A zero-width space after each underscore lets a long header wrap there.
        frame = frame.rename(columns=lambda c: c.replace("_", "_\u200b"))
        return frame.to_html(index=False, border=0)

    h = reproduction.headline
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>socsim: SqueezeNext Table 3 reproduced</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;font-size:85%}}td,th{{border:1px solid #ccc;padding:2px 5px;text-align:right}}
th{{max-width:7em}}td:first-child{{text-align:left;white-space:nowrap}}
.wide{{overflow-x:auto}}img{{max-width:100%}}figure{{margin:2em 0}}</style></head><body>
<h1>SqueezeNext Table 3, simulated by socsim</h1>
<p>Time is normalised per preset by the fastest network; energy is in the paper's units
(one MAC = 1). Simulated columns beside <code>paper_</code> columns.</p>
<div class="wide">{html_table(table)}</div>
<p>{html.escape(schedule_text(reproduction))}</p>
<h2>Fidelity</h2>
<p>Spearman rank correlation of simulated and paper values, and the median and worst
relative error, per preset.</p>
<div class="wide">{html_table(fid)}</div>
<h2>Headline</h2>
<p>{html.escape(h["comparison"])}: faster by {h["faster_by"]:.0%} (paper {h["paper_faster_by"]:.0%}),
more energy-efficient by {h["more_energy_efficient_by"]:.0%}
(paper {h["paper_more_energy_efficient_by"]:.0%}).</p>
<h2>Figures</h2>
{images}
</body></html>
"""
