"""The README's worked examples of the four analyst questions (issue 14), from fresh runs.

    python scenarios/worked_examples.py      # about 75 s on two cores

Runs the shipped commands exactly as the README shows them (as subprocesses of this Python,
results in a temporary folder) and rewrites the README's `<!-- example-NAME:start/end -->`
blocks with what they print. Nothing in those blocks is typed by hand.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

from report import README, replace_block

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

EXAMPLES = {
    "uncertain": ["run", "scenarios/kazakh-online.yaml", "-n", "100", "-j", "2",
                  "--prob-first-tonne", "KZ@2030-06-30", "--no-plots", "-q"],
    "attribution": ["attribute", "scenarios/china-licensing-2025.yaml", "-n", "20", "-j", "2",
                    "--no-plots", "-q"],
    "sizing": ["size-stockpile", "scenarios/china-ban-us.yaml", "scenarios/china-quota-50.yaml",
               "scenarios/conflict-surge.yaml", "--stockpile", "us_nds",
               "--target", "country:US.fill_rate>=0.8", "--confidence", "0.95", "-n", "40",
               "-j", "2", "--set", "market=off",
               "--set", "stockpiles.us_nds.release.to=[us_defense_alloy,us_defense_carbide,"
                        "us_carbide,us_other]",
               "--set", "stockpiles.us_nds.release.max_tpa=20000",
               "--max-holding", "60000", "--no-plots", "-q"],
}
"""Each example's command line after `tungsten-sim` (the README shows the same)."""


def run(args: list[str], out: Path) -> str:
    """Run one command into `out`; what it printed (stdout), or stop with its stderr."""
    done = subprocess.run([sys.executable, "-m", "sim", *args, "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode not in (0, 3):  # 3: size-stockpile's "not reachable"
        raise SystemExit(f"tungsten-sim {' '.join(args)} failed:\n{done.stderr}")
    return "\n".join(line for line in done.stdout.rstrip().splitlines()
                     if str(out) not in line)  # the temporary folder's name says nothing


def _order(value: str) -> tuple[int, float | str]:
    """Sort numbers as numbers and dates (ISO text) as text."""
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)


def draws_summary(folder: Path) -> str:
    """What the uncertain inputs drew over the replications (draws.csv), one line each."""
    by_path: dict[str, list[str]] = {}
    with open(folder / "draws.csv", newline="") as f:
        for row in csv.DictReader(f):
            by_path.setdefault(row["path"], []).append(row["value"])
    lines = []
    for path, values in by_path.items():
        values = sorted(values, key=_order)
        n = len(values)
        if len(set(values)) <= 4:
            shares = ", ".join(f"{v}: {values.count(v) / n:.0%}"
                               for v in sorted(set(values), key=_order))
            lines.append(f"{path}: {shares} of {n} replications")
        else:
            lines.append(f"{path}: p5 {values[int(0.05 * (n - 1))]}, p50 "
                         f"{values[n // 2]}, p95 {values[int(0.95 * (n - 1))]} ({n} replications)")
    return "\n".join(lines)


def block(command: list[str], printed: str) -> str:
    """A README block: the command, then what it printed."""
    shown = " ".join(a if " " not in a and "[" not in a and ">" not in a else f"'{a}'"
                     for a in command)
    return f"```\n$ tungsten-sim {shown}\n{printed}\n```"


def main() -> None:
    """Run the examples and rewrite the README's blocks."""
    text = README.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        for name, command in EXAMPLES.items():
            out = Path(tmp) / name
            printed = run(command, out)
            if name == "uncertain":
                printed += "\n\ndraws (draws.csv):\n" + draws_summary(out)
            text = replace_block(text, f"example-{name}", block(command, printed))
            print(f"{name}: done")
    README.write_text(text)
    print(f"updated {README}")


if __name__ == "__main__":
    main()
