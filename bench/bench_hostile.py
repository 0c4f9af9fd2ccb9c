"""Prints how long each bad input of the hostile-input catalogue takes to be refused, and
the peak memory of its process, with the error line it ends in (tests/test_hostile.py).

Each case runs as `python -m socsim ...` in a fresh process in a folder holding the
catalogue's files; issue 17 asks for under 10 s and 500 MB each.

    .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_hostile import CASES, FILES, run_measured  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, content in FILES.items():
            path = root / name
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        (root / "dir.yaml").mkdir()
        worst_s, worst_mb = 0.0, 0.0
        for case in CASES:
            start = time.perf_counter()
            status, _, err, peak_mb = run_measured(list(case.argv), root, cwd=root)
            seconds = time.perf_counter() - start
            worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak_mb)
            print(f"{seconds:5.2f} s {peak_mb:4.0f} MB  exit {status}  socsim {case}")
            print(f"    {err.strip()}")
        print(f"worst: {worst_s:.2f} s, {worst_mb:.0f} MB over {len(CASES)} cases")


if __name__ == "__main__":
    main()
