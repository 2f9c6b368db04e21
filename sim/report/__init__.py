"""The report page of a result folder (`report.html`) and the headline `show` prints.

Built only from the files a run, compare or sweep folder holds (`read_folder` tells which);
see `sim.report.write`.
"""

from sim.report.folder import REPORT_NAME, ResultFolder, read_folder
from sim.report.headline import Headline
from sim.report.write import headline, render_report, write_report

__all__ = [
    "REPORT_NAME",
    "Headline",
    "ResultFolder",
    "headline",
    "read_folder",
    "render_report",
    "write_report",
]
