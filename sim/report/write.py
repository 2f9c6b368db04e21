"""Writing a result folder's report page, and the headline `show` prints, by its kind.

`write_report(folder)` renders `report.html` from the files in `folder` and writes it
atomically (a hidden temporary file moved into place: never half written). Commands call it
on the hidden temporary folder of a run or a comparison before it is renamed, so the page
arrives with the rest; a sweep writes it after its other final files; `show --open` writes
it into a folder that lacks one.

Example::

    write_report(Path("results/china-ban-us"))      # results/china-ban-us/report.html
    print(headline(read_folder("results/compare-baseline-vs-china-ban-us")).text())
"""

from __future__ import annotations

from pathlib import Path

from sim.report.folder import REPORT_NAME, ResultFolder, read_folder
from sim.report.headline import Headline
from sim.results.files import write_text


def render_report(folder: ResultFolder) -> str:
    """The report page of a result folder, as HTML text."""
    if folder.kind == "compare":
        from sim.report.compare_page import compare_page

        return compare_page(folder)
    if folder.kind == "sweep":
        from sim.report.sweep_page import sweep_page

        return sweep_page(folder)
    from sim.report.run_page import run_page

    return run_page(folder)


def headline(folder: ResultFolder) -> Headline:
    """The answer of a result folder of any kind (what its page opens with)."""
    if folder.kind == "compare":
        from sim.report.compare_page import compare_headline

        return compare_headline(folder)
    if folder.kind == "sweep":
        from sim.report.sweep_page import sweep_headline

        return sweep_headline(folder)
    from sim.report.run_answer import run_headline

    return run_headline(folder)


def write_report(path: Path | str) -> Path:
    """Write `report.html` into the result folder at `path` (atomically); return its path."""
    folder = read_folder(path)
    out = folder.path / REPORT_NAME
    write_text(out, render_report(folder))
    return out
