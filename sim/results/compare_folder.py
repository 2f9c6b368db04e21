"""Writing a comparison: `results/compare-<names>/` with tables, a Markdown report and plots.

Files (written to a hidden temporary folder, renamed when complete, never over anything):
- `comparison.csv`: every KPI of every scope, per scenario, with 95% CIs and the difference
  from the first scenario (paired or Welch, see `comparison.py`);
- `changes.csv`: the parameters of each scenario that differ from the first's;
- `comparison.md`: the inputs, the main KPIs, what changed, the plots;
- `plots/*.png`: the main U.S. series overlaid, each with its p5-p95 band, drawn by the
  function the caller passes (the command layer draws plots, never a writer).
"""

from __future__ import annotations

import csv
import hashlib
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.results.catalogue import KpiKey
from sim.results.changes import Change, changes
from sim.results.comparison import (
    CSV_HEADER,
    METHODS_NOTE,
    KpiComparison,
    compare_kpis,
    csv_rows,
    interval_notes,
    kpi_header,
    markdown_table,
    pairing_note,
    table_cells,
    text_table,
)
from sim.results.files import write_folder
from sim.results.reader import ResultData

MAX_NAME = 120
"""Longest folder name; longer lists of names are cut and given a short hash."""
TERMINAL_CHANGES = 25
"""Changed parameters printed per scenario; comparison.md and changes.csv have them all."""


@dataclass(frozen=True)
class Comparison:
    """Everything a comparison reports, computed once and rendered as files or text."""

    data: Sequence[ResultData]
    table: list[KpiComparison]
    changed: list[tuple[str, list[Change]]]
    keys: list[KpiKey]

    @classmethod
    def of(cls, data: Sequence[ResultData], keys: Sequence[KpiKey]) -> Comparison:
        """Compare results (the first is the reference) and pick the KPIs to show."""
        changed = [(item.label, changes(data[0].scenario, item.scenario)) for item in data[1:]]
        return cls(data, compare_kpis(data), changed, list(keys))

    def text(self) -> str:
        """The terminal report: main KPIs, pairing, what changed."""
        ref = self.data[0]
        lines = [text_table(kpi_header(ref), table_cells(self.table, self.keys)), "",
                 pairing_note(self.data), textwrap.fill(METHODS_NOTE, 100)]
        lines += [f"warning: {note}" for note in interval_notes(self.table, self.keys)]
        for label, items in self.changed:
            count = f"{len(items)} parameter{'s' if len(items) != 1 else ''}"
            lines += ["", f"what changed in {label} (from {ref.label}): {count}"]
            for c in items[:TERMINAL_CHANGES]:
                lines.append(f"  {c.parameter}: {_short(c.reference)} -> {_short(c.value)}")
            if len(items) > TERMINAL_CHANGES:
                lines.append(f"  ... {len(items) - TERMINAL_CHANGES} more in comparison.md")
        return "\n".join(lines)

    def markdown(self, plots: Sequence[Path]) -> str:
        """comparison.md."""
        ref = self.data[0]
        warnings = [f"- **Warning**: {note}" for note in interval_notes(self.table, self.keys)]
        inputs = [[d.label, d.source, str(d.seed), str(d.n)] for d in self.data]
        parts = [f"# Comparison: {' vs '.join(d.label for d in self.data)}", "",
                 markdown_table(["scenario", "from", "seed", "replications"], inputs), "",
                 f"Differences from {ref.label}: {pairing_note(self.data)}. {METHODS_NOTE} "
                 "Every KPI of every scope is in comparison.csv.", "",
                 "## Main KPIs", "",
                 markdown_table(kpi_header(ref), table_cells(self.table, self.keys)), "",
                 *warnings, *([""] if warnings else []),
                 f"## What changed (parameters that differ from {ref.label})"]
        for label, items in self.changed:
            rows = [[c.parameter, c.reference, c.value] for c in items]
            parts += ["", f"### {label}", "",
                      markdown_table(["parameter", ref.label, label], rows) if rows
                      else "No parameter differs."]
        parts += ["", "## Plots", ""]
        parts += [f"![{p.stem}](plots/{p.name})" for p in plots]
        return "\n".join(parts) + "\n"

    def changes_csv(self) -> str:
        """changes.csv: scenario, parameter, reference value, value."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("scenario", "parameter", "reference", "value"))
        for label, items in self.changed:
            writer.writerows((label, c.parameter, c.reference, c.value) for c in items)
        return out.getvalue()

    def comparison_csv(self) -> str:
        """comparison.csv: one row per KPI and scenario."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(self.table))
        return out.getvalue()


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def folder_name(labels: Sequence[str]) -> str:
    """`compare-a-vs-b`, cut to MAX_NAME characters with a hash of the full name if longer."""
    name = "compare-" + "-vs-".join(labels)
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}-{digest}"


def write_comparison(comparison: Comparison, wanted: Path,
                     draw: Callable[[Path], Sequence[Path]] | None = None,
                     finish: Callable[[Path], object] | None = None) -> Path:
    """Write the comparison's files atomically into `wanted` (or `wanted-2`, ...).

    `draw(folder)`, if given, draws the plots into `folder` (the temporary folder's
    `plots/`) and returns their paths, which comparison.md then shows. `finish(folder)`, if
    given, writes more into the temporary folder once the rest is there (the command
    layer's report page, which reads the other files).
    """

    def fill(tmp: Path) -> None:
        (tmp / "comparison.csv").write_text(comparison.comparison_csv())
        (tmp / "changes.csv").write_text(comparison.changes_csv())
        paths = list(draw(tmp / "plots")) if draw is not None else []
        (tmp / "comparison.md").write_text(comparison.markdown(paths))
        if finish is not None:
            finish(tmp)

    return write_folder(wanted, fill)
