"""A line in the run's summary for the SCALE-Sim parity tests (marker `scalesim`), so a CI
log shows that they ran against SCALE-Sim, and which one, rather than skipped."""

from __future__ import annotations

from collections import Counter

import pytest

from socsim.components.scalesim_cfg import scalesim_python


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    outcomes: Counter[str] = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            # a pass is reported once, at its call; a skip or an error at setup
            if "scalesim" in getattr(report, "keywords", ()) and (
                report.when == "call" or outcome != "passed"
            ):
                outcomes[outcome] += 1
    if outcomes:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items())
        python = scalesim_python() or "no SCALE-Sim"
        terminalreporter.write_line(f"SCALE-Sim parity ({python}): {counts}")
