"""HTML pieces of the report page: one self-contained file that needs no network to view.

Everything is inline: the CSS in a `<style>` element, each plot a PNG as a base64 `data:`
URI; there is no JavaScript. Every text that comes from a file (scenario names, parameter
values, descriptions) goes through `html.escape`, so a name such as `<b>` is shown as it
is and never read as markup.

Example::

    page("china-ban-us", [section("answer", "The answer", paragraph("No shortfall."))])
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from string import Template

from sim.report.headline import Headline
from sim.report.labels import ordered_plots, plot_caption

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1d2329; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; border-bottom: 1px solid #d8dde3;
     padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.lead { color: #4a5561; margin: 0 0 8px; }
nav { font-size: 13px; margin: 8px 0 0; color: #4a5561; }
nav a { margin-right: 14px; color: #2356a8; }
#answer { background: #eef4fb; border-left: 4px solid #2356a8; padding: 4px 18px 14px;
          margin-top: 20px; }
#answer h2 { border: none; margin-top: 12px; }
#answer p { font-size: 16px; margin: 6px 0; }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e7ec; text-align: left;
         vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { background: none; font-weight: 500; color: #38424d; white-space: nowrap; }
table.facts td { font-weight: 600; font-variant-numeric: tabular-nums; }
figure { margin: 18px 0 28px; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e7ec; }
figcaption { font-size: 13px; color: #4a5561; margin-top: 4px; }
.note { font-size: 13px; color: #5b6672; }
.warning { font-size: 14px; color: #8a3b00; background: #fff4e5; padding: 4px 8px; }
code { font-size: 13px; background: #f0f2f5; padding: 0 3px; }
td code { white-space: pre-wrap; word-break: break-word; }
"""
PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="icon" href="data:,">
<style>$css</style>
</head>
<body>
<main>
<h1>$title</h1>
$lead
<nav>$nav</nav>
$body
<p class="note">Written by tungsten-sim from the files in this folder; it needs no network
to view. <code>tungsten-sim show FOLDER --open</code> writes it again if it is missing.</p>
</main>
</body>
</html>
""")
"""The page. `<link rel="icon" href="data:,">` keeps a browser from asking for
/favicon.ico, which would be an error in its console for a file opened from disk."""


def esc(text: object) -> str:
    """Text (anything, as str) escaped for HTML content and attribute values."""
    return html.escape(str(text), quote=True)


def page(title: str, lead: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole page: `title`, a `lead` line under it, and (id, heading, html) sections,
    each linked from the navigation bar."""
    nav = "".join(f'<a href="#{esc(sid)}">{esc(heading)}</a>' for sid, heading, _ in sections)
    body = "\n".join(section(sid, heading, content) for sid, heading, content in sections)
    lead_html = f'<p class="lead">{esc(lead)}</p>' if lead else ""
    return PAGE.substitute(title=esc(title), css=CSS, lead=lead_html, nav=nav, body=body)


def section(sid: str, heading: str, content: str) -> str:
    """A `<section>` with its heading."""
    return f'<section id="{esc(sid)}">\n<h2>{esc(heading)}</h2>\n{content}\n</section>'


def paragraph(text: str, css: str = "") -> str:
    """A paragraph of plain text."""
    cls = f' class="{esc(css)}"' if css else ""
    return f"<p{cls}>{esc(text)}</p>"


def headline_html(headline: Headline) -> str:
    """The answer: its sentences as paragraphs, then its facts as a two-column table."""
    parts = [f'<p class="sentence">{esc(s)}</p>' for s in headline.sentences]
    if headline.facts:
        rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>"
                       for label, value in headline.facts)
        parts.append(f'<table class="facts">{rows}</table>')
    return "\n".join(parts)


def table(header: Sequence[str], rows: Iterable[Sequence[object]],
          numeric: Iterable[int] = (), css: str = "") -> str:
    """A table; the columns at `numeric` are right-aligned."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td class="num">{esc(c)}</td>' if j in right else f"<td>{esc(c)}</td>"
                        for j, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    cls = f' class="{esc(css)}"' if css else ""
    return (f'<div class="scroll"><table{cls}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def figures(paths: Sequence[Path], missing: str) -> str:
    """Every plot embedded as a PNG data URI with its caption (in PLOT_ORDER); `missing` is
    said when there are none."""
    if not paths:
        return paragraph(missing, "note")
    out = []
    for path in ordered_plots(list(paths)):
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        caption = plot_caption(path)
        out.append(f'<figure id="plot-{esc(path.stem)}"><img src="data:image/png;base64,{data}" '
                   f'alt="{esc(caption)}"><figcaption>{esc(caption)} '
                   f"(<code>plots/{esc(path.name)}</code>)</figcaption></figure>")
    return "\n".join(out)


def definitions(rows: Iterable[tuple[str, object]]) -> str:
    """A two-column table of (name, value) pairs."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="facts">{body}</table>'
