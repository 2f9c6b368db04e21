"""Where a result came from, for the report: the manifest in words, and the folder's files.

Example::

    manifest_rows({"seed": 7, "wall_seconds": 3.8, "versions": {"simpy": "4.1.2"}})
    # [("seed", "7"), ("wall time", "3.8 s"), ("versions", "simpy 4.1.2")]
"""

from __future__ import annotations

import json
from pathlib import Path

LABELS = {
    "scenario": "scenario", "seed": "seed", "replications": "replications",
    "wall_seconds": "wall time", "scenario_sha256": "scenario hash (SHA-256 of "
    "scenario.resolved.yaml)", "python": "Python", "versions": "versions",
    "balance_relative_error_max": "mass-balance error (largest relative, any replication)",
    "workers": "worker processes", "start_method": "process start method",
    "timeseries_replications": "replications kept in timeseries.csv",
    "stopping": "sequential stopping", "points": "points", "runs": "runs",
    "runs_expected": "runs in the design", "complete": "complete",
    "runs_per_hour": "runs per hour", "definition": "sweep definition",
    "sessions": "sessions",
}
"""Manifest keys in words, in the order the report lists them; others follow as they are."""


def manifest_rows(manifest: dict) -> list[tuple[str, str]]:
    """(label, value) of every manifest entry, known keys first in LABELS' order."""
    keys = [k for k in LABELS if k in manifest] + [k for k in manifest if k not in LABELS]
    return [(LABELS.get(key, key), value_words(key, manifest[key])) for key in keys]


def value_words(key: str, value: object) -> str:
    """A manifest value as a short text."""
    if value is None:
        return "-"
    if key == "wall_seconds" and isinstance(value, (int, float)):
        return f"{value:,.1f} s"
    if key == "balance_relative_error_max" and isinstance(value, (int, float)):
        return f"{value:.2g}"
    if key == "versions" and isinstance(value, dict):
        return ", ".join(f"{name} {version or '(not installed)'}"
                         for name, version in value.items())
    if key == "sessions" and isinstance(value, list):
        return "; ".join(_session(s) for s in value if isinstance(s, dict))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=False)
    return str(value)


def _session(session: dict) -> str:
    """One sweep session: `8 runs in 1.9 s, serial, 2026-12-05T04:33:37`."""
    wall = session.get("wall_seconds")
    seconds = f"{wall:,.1f} s" if isinstance(wall, (int, float)) else "?"
    return (f"{session.get('runs', '?')} runs in {seconds}, {session.get('executor', '?')}, "
            f"started {session.get('started', '?')}")


def file_rows(folder: Path) -> list[tuple[str, str]]:
    """(name, size) of the folder's files and of those in plots/, by name; the report
    itself left out."""
    out = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not name.startswith(".") and name != "report.html":
            out.append((name, size_text(path.stat().st_size)))
    return out


def size_text(size: int) -> str:
    """Bytes as `512 B`, `12.3 KB`, `4.5 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
