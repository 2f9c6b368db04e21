"""The README's "Python API" example runs as written, and says what it computes (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def api_blocks(text: str) -> list[str]:
    """The ```python blocks of the README's "## Python API" section, in order."""
    section = re.search(r"^## Python API\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no '## Python API' section"
    return re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)


def test_the_section_has_an_example():
    blocks = api_blocks(README.read_text())
    assert blocks and "import sim" in blocks[0]


def test_the_python_api_example_runs_and_shows_what_the_readme_says(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.chdir(tmp_path)  # whatever it might write lands here
    namespace: dict = {"__name__": "readme_example"}
    for block in api_blocks(README.read_text()):
        exec(compile(block, "README.md (Python API)", "exec"), namespace)
    printed = capsys.readouterr().out
    us_fill = namespace["us_fill"]
    assert len(us_fill) == 20 and set(us_fill.scope) == {"country:US"}
    assert us_fill.value.mean() == pytest.approx(0.994, abs=0.001)
    assert (us_fill.value < 1).all()
    assert "paired by replication (seed 7, 20 replications" in printed
    rows = namespace["headline"].set_index(["scope", "kpi", "scenario"])
    shortfall = rows.loc[("country:US", "shortfall_t", "china-ban-us")]
    assert shortfall["mean"] == pytest.approx(232, abs=1)
    assert rows.loc[("country:US", "shortfall_t", "baseline"), "mean"] == 0
    swept = namespace["swept"].summary()["country:US.shortfall_t"].round().tolist()
    assert swept == [9, 90, 232]
    assert list(tmp_path.iterdir()) == []
