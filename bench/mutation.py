"""Mutation testing: run mutmut over the modules `[tool.mutmut]` names, print the kill rate.

    nice -n 10 .venv/bin/python bench/mutation.py            # run (resuming), then report
    nice -n 10 .venv/bin/python bench/mutation.py socsim/energy.py socsim/summarize.py
    .venv/bin/python bench/mutation.py --no-run --list       # report the last run, survivors

mutmut keeps its results in `mutants/` and reruns only mutants it has no verdict for (or
whose code changed); `--fresh` deletes `mutants/` first, for a new figure after the tests
changed. A run checks each mutant with only the fast tests that reach the mutated function
(`pytest_add_cli_args_test_selection` in pyproject.toml), in `--max-children` processes.

Kill rate per module = killed / (checked - equivalent). Timeouts and survivors count against
it; mutants judged equivalent (no test can tell them apart from the original) are listed with
the reason in bench/mutation_equivalent.txt and left out. A listed name that is not a survivor
(killed, or gone because its function changed) is reported, to be judged again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

from mutmut.configuration import config
from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.txt")
COLUMNS = ("killed", "survived", "timeout", "no tests", "not checked", "other")


def targets() -> list[str]:
    """The `only_mutate` patterns of pyproject.toml, as mutmut reads them (socsim/energy.py)."""
    return config().only_mutate


def mutant_pattern(path: str) -> str:
    """mutmut's name pattern for a source path: socsim/energy.py -> socsim.energy.*"""
    return path.removesuffix("/*").removesuffix(".py").rstrip("/").replace("/", ".") + ".*"


def equivalent() -> dict[str, str]:
    """Mutant name -> why it is equivalent, from bench/mutation_equivalent.txt."""
    judged = {}
    for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, reason = line.split(maxsplit=1)
            judged[name] = reason
    return judged


def results() -> dict[str, dict[str, str]]:
    """Per mutated source file, each mutant's status, from mutmut's `mutants/**/*.py.meta`."""
    found = {}
    for meta in sorted(Path("mutants").glob("socsim/**/*.py.meta")):
        source = meta.relative_to("mutants").as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if codes:
            found[source] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def covers(target: str, module: str) -> bool:
    """Whether an only_mutate pattern (socsim/dataflow/*) takes in a path given by the user."""
    return fnmatch(module, target) or module == target.removesuffix("/*")


def report(only: list[str], show_survivors: bool) -> None:
    judged = equivalent()
    by_file = results()
    if not by_file:
        sys.exit("bench/mutation.py: no results in mutants/ (run without --no-run first)")
    groups = {t: [f for f in by_file if fnmatch(f, t)] for t in targets()}
    if only:
        groups = {t: files for t, files in groups.items() if any(covers(t, m) for m in only)}
    head = f"{'module':<36}{'mutants':>8}{'equiv':>7}" + "".join(f"{c:>12}" for c in COLUMNS)
    print(head + f"{'kill rate':>11}")
    survivors, stale = [], []
    for target, files in groups.items():
        total = Counter()
        for source in files:
            statuses = by_file[source]
            counts = Counter()
            for name, status in statuses.items():
                if name in judged:
                    counts["equiv"] += 1
                    if status not in ("survived", "not checked"):
                        stale.append(f"{name} ({status})")
                else:
                    counts[status if status in COLUMNS else "other"] += 1
                    if status not in ("killed", "not checked"):
                        survivors.append(f"{status:>9}  {name}")
            counts["mutants"] = len(statuses)
            total.update(counts)
            if len(files) > 1:
                print(row(f"  {source}", counts))
        print(row(target.removesuffix("/*"), total))
    present = {name for statuses in by_file.values() for name in statuses}
    stale += [f"{name} (no such mutant)" for name in judged if name not in present]
    if stale:
        print(f"\n{EQUIVALENT.name} lists mutants that are not survivors now; judge them again:")
        print("\n".join(f"  {s}" for s in stale))
    if show_survivors:
        print("\nnot killed (`mutmut show NAME` prints the change):")
        print("\n".join(f"  {s}" for s in survivors))


def chosen(modules: list[str], pending: bool, survivors: bool) -> list[str]:
    """The mutants of `modules` (default: all) with no verdict if `pending`, and those not
    killed (and not judged equivalent) if `survivors`, by name from the last run's results."""
    judged = equivalent()
    wanted = {"not checked"} if pending else set()
    if survivors:
        wanted |= {"survived", "timeout", "no tests", "other"}
    return [
        name
        for source, statuses in results().items()
        if not modules or any(source == m or source.startswith(f"{m}/") for m in modules)
        for name, status in statuses.items()
        if (status if status in COLUMNS else "other") in wanted and name not in judged
    ]


def row(label: str, counts: Counter) -> str:
    denominator = counts["mutants"] - counts["equiv"] - counts["not checked"]
    rate = f"{counts['killed'] / denominator:.1%}" if denominator else "-"
    cells = "".join(f"{counts[c]:>12}" for c in COLUMNS)
    return f"{label:<36}{counts['mutants']:>8}{counts['equiv']:>7}{cells}{rate:>11}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="source paths among [tool.mutmut] only_mutate (default: all)"
    )
    parser.add_argument("--no-run", action="store_true", help="report the last run only")
    parser.add_argument("--fresh", action="store_true", help="delete mutants/ before the run")
    parser.add_argument("--max-children", type=int, default=2, help="test processes (2)")
    parser.add_argument(
        "--pending", action="store_true", help="run only the mutants with no verdict yet"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="run only the mutants not killed last time (after tests were added)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants not killed")
    args = parser.parse_args()
    os.chdir(ROOT)  # where mutmut reads its config and keeps mutants/
    modules = [m.rstrip("/") for m in args.modules]
    unknown = [m for m in modules if not any(covers(t, m) for t in targets())]
    if unknown:
        parser.error(f"modules={unknown}, expected paths among {targets()}")
    if not args.no_run:
        if args.fresh:
            shutil.rmtree("mutants", ignore_errors=True)
        names = [mutant_pattern(m) for m in modules]
        if args.pending or args.survivors:
            names = chosen(modules, args.pending, args.survivors)
            if not names:
                print("bench/mutation.py: no such mutants to run")
                report(modules, args.list)
                return
        command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)]
        status = subprocess.run(command + names).returncode
        if status:
            sys.exit(f"bench/mutation.py: mutmut run exited with status {status} (output above)")
    report(modules, args.list)


if __name__ == "__main__":
    main()
