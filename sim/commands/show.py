"""`tungsten-sim show RESULT [--open]`: the headline of any result folder (run, compare or
sweep), and with `--open` its report page in a browser.

The kind of folder is told by its files (`sim.report.read_folder`); a folder that is not a
result is refused with one line (exit 2). `--open` writes `report.html` first if the folder
has none (a folder from before the page existed), atomically, then hands its file:// URL to
Python's `webbrowser`.

Example::

    tungsten-sim show results/china-ban-us
    tungsten-sim show results/compare-baseline-vs-china-ban-us --open
"""

from __future__ import annotations

import argparse
import webbrowser

from sim.report import REPORT_NAME, headline, read_folder, write_report


def show_command(args: argparse.Namespace) -> int:
    """Print the folder's headline; with `--open`, open (after writing, if missing) its page."""
    folder = read_folder(args.result)
    print(headline(folder).text())
    page = folder.path / REPORT_NAME
    if not args.open:
        if page.is_file():
            print(f"\nreport page: {page} (open it with --open)")
        return 0
    if not page.is_file():
        page = write_report(folder.path)
        print(f"\nreport page written: {page}")
    url = page.resolve().as_uri()
    if not webbrowser.open(url):
        print(f"no browser could be started; open {url}")
    else:
        print(f"\nopened {url}")
    return 0
