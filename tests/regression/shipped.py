"""KPIs of every shipped scenario, to check that a refactoring leaves results unchanged.

`python tests/regression/shipped.py snapshot [DIR]` writes one `NAME.kpis.csv` per scenario
in `scenarios/` (one replication, the scenario's own seed, values to 12 significant digits)
into DIR, by default `golden/shipped/`, which test_golden.py checks every run against;
`python tests/regression/shipped.py diff DIR_A DIR_B` lists the KPIs that differ by more
than 1e-9 relative and exits 1 if any do. Regenerate the golden files only for an intended
change of the model, and say in the commit which numbers moved and why.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED_GOLDEN = HERE / "golden" / "shipped"
sys.path.insert(0, str(HERE))

from regenerate import golden_rows  # noqa: E402


def snapshot(out: Path) -> None:
    """Write the KPI rows of each shipped scenario into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        with (out / f"{path.stem}.kpis.csv").open("w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(("replication", "scope", "kpi", "value"))
            writer.writerows(golden_rows(path))
        print(f"{path.stem}: written")


def _rows(path: Path) -> dict[tuple[str, str, str], str]:
    with path.open() as f:
        return {tuple(row[:3]): row[3] for row in list(csv.reader(f))[1:]}


def _same(a: str, b: str) -> bool:
    """Whether two KPI values agree ('missing' and '' only with themselves)."""
    if a in ("", "missing") or b in ("", "missing"):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def diff(before: Path, after: Path) -> int:
    """Print every KPI that moved between two snapshots; the number of them."""
    moved = 0
    for path in sorted(before.glob("*.kpis.csv")):
        a, b = _rows(path), _rows(after / path.name)
        changed = sorted(k for k in a.keys() | b.keys()
                         if not _same(a.get(k, "missing"), b.get(k, "missing")))
        for key in changed:
            print(f"{path.stem}: {'/'.join(key[1:])}: {a.get(key, 'missing')} -> "
                  f"{b.get(key, 'missing')}")
        moved += len(changed)
        print(f"{path.stem}: {len(changed)} of {len(a)} KPIs moved")
    return moved


if __name__ == "__main__":
    if len(sys.argv) in (2, 3) and sys.argv[1] == "snapshot":
        snapshot(Path(sys.argv[2]) if len(sys.argv) == 3 else SHIPPED_GOLDEN)
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(1 if diff(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    else:
        sys.exit(__doc__)
