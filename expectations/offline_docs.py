"""Data Docs that work with the network off: no CDN, no script, every link to a page that exists.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs and draw the
index's list of validation results with a script: offline (an analyst's laptop on a train, an
air-gapped monitor) they came up unstyled, with an empty list and a broken logo. Gazette
rewrites each page after GX builds it: external assets and scripts out, one local stylesheet
in (`offline.css`, beside this module), the logo from GX's own static folder, and the index's
list rendered as a plain HTML table from the data its script would have read.
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
from pathlib import Path
from typing import Any

STYLESHEET = Path(__file__).with_name("offline.css")
LOCAL_CSS = "static/styles/gazette-offline.css"
LOGO = "static/images/logo-long.png"

_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
_LOGO = re.compile(r"(<img\b[^>]*\bsrc=\")https?://[^\"]*logo[^\"]*(\")", re.I)
_EXTERNAL_ANCHOR = re.compile(r"<a\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>(.*?)</a>", re.I | re.S)
_RESULTS_TABLE = re.compile(
    r"(<table\s+id=\"([^\"]+)\"\s+class=\"[^\"]*ge-index-page-validation-results-table[^\"]*\""
    r"[^>]*>)\s*(</table>)",
    re.S,
)
_TAGS = re.compile(r"<[^>]+>")


def make_offline(docs_dir: Path) -> None:
    """Rewrite every page under `docs_dir` to need nothing but the folder itself."""
    docs_dir = Path(docs_dir)
    css = docs_dir / LOCAL_CSS
    css.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STYLESHEET, css)
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = _mend_links(offline_page(text, _relative(page, docs_dir)), page, docs_dir)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


_LOCAL_REF = re.compile(r'\b(href|src)="((?:\.\./|\./)*[^"#:?][^"#:?]*)([#?][^"]*)?"')


def _mend_links(text: str, page: Path, docs_dir: Path) -> str:
    """GX counts the ../ of some links from the wrong depth (a validation page four folders
    down points three up for its favicon and suite): a local link that resolves to nothing,
    but does from the docs root, is pointed there."""

    def mend(match: re.Match[str]) -> str:
        attribute, link, tail = match.group(1), match.group(2), match.group(3) or ""
        if (page.parent / link).exists():
            return match.group(0)
        from_root = docs_dir / re.sub(r"^(?:\.\./|\./)+", "", link)
        if not from_root.exists():
            return match.group(0)
        fixed = Path(os.path.relpath(from_root, page.parent)).as_posix()
        return f'{attribute}="{fixed}{tail}"'

    return _LOCAL_REF.sub(mend, text)


def _relative(page: Path, docs_dir: Path) -> str:
    """The path from a page's folder back to the docs root ("." or "../../..")."""
    return Path(os.path.relpath(docs_dir, page.parent)).as_posix()


def offline_page(text: str, root: str) -> str:
    """One page without external assets or scripts, with the local stylesheet and logo."""
    rows = validation_rows(text) if "ge-index-page-validation-results-table" in text else None
    text = _EXTERNAL_LINK.sub("", text)
    text = _SCRIPT.sub("", text)
    text = _LOGO.sub(rf"\g<1>{root}/{LOGO}\g<2>", text)
    text = _EXTERNAL_ANCHOR.sub(r"\1", text)  # GX's newsletter and website: not ours to link
    if rows is not None:
        text = _RESULTS_TABLE.sub(lambda m: m.group(1) + results_body(rows) + m.group(3), text)
    if LOCAL_CSS not in text:
        link = f'<link rel="stylesheet" href="{root}/{LOCAL_CSS}">'
        text = text.replace("</head>", f"{link}\n</head>", 1)
    return text


def validation_rows(text: str) -> list[dict[str, Any]]:
    """The rows the index's script hands bootstrap-table (a Python-literal list in the page)."""
    start = text.find("data: [", text.find("bootstrapTable("))
    if start < 0:
        return []
    start += len("data: ")
    end = _closing_bracket(text, start)
    try:
        rows = ast.literal_eval(text[start : end + 1])
    except (ValueError, SyntaxError):
        return []
    return [r for r in rows if isinstance(r, dict)]


def _closing_bracket(text: str, start: int) -> int:
    """Index of the `]` closing the `[` at `start`, skipping brackets inside quoted strings."""
    depth, quote, i = 0, "", start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1


def _plain(fragment: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub(" ", str(fragment or "")))).strip()


def results_body(rows: list[dict[str, Any]]) -> str:
    """The validation results as table rows: status, run time, run, suite, each linked."""
    head = (
        "<thead><tr><th>Status</th><th>Run Time</th><th>Run Name</th>"
        "<th>Expectation Suite</th></tr></thead>"
    )
    lines = []
    ordered = sorted(rows, key=lambda r: r.get("_run_time_sort") or 0, reverse=True)
    for row in ordered:
        passed = "text-success" in str(row.get("validation_success", ""))
        status = "Succeeded" if passed else "Failed"
        link = html.escape(str(row.get("_table_row_link_path") or ""), quote=True)
        suite = html.escape(_plain(row.get("expectation_suite_name")))
        lines.append(
            f'<tr class="gazette-{status.lower()}">'
            f'<td class="{"text-success" if passed else "text-danger"}">{status}</td>'
            f"<td>{html.escape(_plain(row.get('run_time')))}</td>"
            f"<td>{html.escape(_plain(row.get('run_name')))}</td>"
            f'<td><a href="{link}">{suite}</a></td></tr>'
        )
    return head + "<tbody>" + "".join(lines) + "</tbody>"
