"""The shipped sweep file (`sweep --file scenarios/sweeps/china-ban-leakage.yaml`, in the
README) runs, and its KPIs move with the swept re-export enforcement (issue 16: examples
that show something)."""

from __future__ import annotations

import csv
from pathlib import Path

from sim.cli import main

SWEEPS = Path(__file__).resolve().parents[2] / "scenarios" / "sweeps"


def test_china_ban_leakage_shows_chinese_tungsten_leaking_less_as_enforcement_rises(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "--file", str(SWEEPS / "china-ban-leakage.yaml"), "-n", "1",
                 "--no-plots", "-q", "--out", "leak"]) == 0
    with (tmp_path / "leak" / "points.csv").open(newline="") as f:
        points = list(csv.DictReader(f))
    enforcement = [float(p["events.cn_ban_us.enforcement"]) for p in points]
    share = [float(p["country:US.origin_share_CN.mean"]) for p in points]
    cover = [float(p["country:US.min_cover_days.mean"]) for p in points]
    assert enforcement == [0, 0.25, 0.5, 0.75, 1]
    assert share == sorted(share, reverse=True) and len(set(share)) == 5  # less leaks
    assert share[0] > 3 * share[-1]
    assert cover[0] > cover[-1]


def test_a_sweep_ends_with_its_answer_in_words(tmp_path, monkeypatch, capsys):
    """Not quiet, `sweep` prints the best and worst point of each KPI (points.csv has a
    column per KPI statistic) and where the report page is."""
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "--file", str(SWEEPS / "china-ban-leakage.yaml"), "-n", "1",
                 "--no-plots", "--out", "leak"]) == 0
    out = capsys.readouterr().out
    assert "U.S. share mined in CN, best" in out and "at point 4: enforcement 1" in out
    assert f"(report: {Path('leak') / 'report.html'})" in out
