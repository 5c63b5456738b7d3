"""Data Docs look right in a real browser: headless Chromium shows every suite and its verdict.

Chromium is Debian's package; `make test` installs it when missing. Without it the test skips.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from expectations.runner import validate_frames
from expectations.suites import dim_date_suite, fact_article_suite
from tests.runs import CHROMIUM, FLAGS, render

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
)


def test_data_docs_index_shows_suites_and_verdicts(tmp_path):
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    good = pd.DataFrame(
        {
            "article_key": ["a"],
            "version": [1],
            "source_key": ["s"],
            "url": ["http://n.test/a"],
            "title": ["A headline of some length"],
            "title_length": [25],
            "text_length": [900],
            "published_at": pd.to_datetime([now - timedelta(days=1)], utc=True),
            "language": ["en"],
            "word_count": [150],
            "words_in_text": [150],
            "encoding_source": ["valid_utf8"],
            "robots_decision": ["allowed"],
        }
    )
    dates = pd.DataFrame(
        {"date_key": [20261101, 20261101], "date": ["2026-11-01"] * 2, "day_of_week": [7, 7]}
    )
    report = validate_frames(
        [(fact_article_suite(now), good), (dim_date_suite(now), dates)],
        tmp_path / "gx",
        tmp_path / "docs",
        "run-42",
        now,
    )
    text = render(report.docs_index.as_uri(), tmp_path / "profile")
    assert "Gazette data quality: FAIL (run run-42)" in text
    assert re.search(r"fact_article Succeeded \d+ 0 0", text)
    assert re.search(r"dim_date Failed \d+ 2 0", text)  # date_key and date not unique
    # the linked validation page is static HTML GX renders; it names the suite and status
    page = next((tmp_path / "docs" / "validations" / "dim_date").rglob("*.html"))
    detail = render(page.as_uri(), tmp_path / "profile")
    assert "Expectation Suite: dim_date" in detail and "Status: Failed" in detail


PROBE = """<script>
window.addEventListener("load", () => {
  const th = document.querySelector("table th");
  const rows = document.querySelectorAll(
    ".ge-index-page-validation-results-table tbody tr").length;
  document.body.setAttribute("data-probe", JSON.stringify({
    border: getComputedStyle(th).borderTopStyle,
    band: getComputedStyle(th).backgroundColor,
    font: getComputedStyle(document.body).fontFamily,
    logo: [...document.images].every(i => i.complete && i.naturalWidth > 0),
    rows: rows}));
});
</script>"""


def _local_links(page) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(r'(?:href|src)="([^"#][^"]*)"', text)


def test_data_docs_work_offline_styled_with_every_link_resolving(tmp_path):
    """Offline, GX's pages came up unstyled (CSS and scripts from CDNs), the logo broken,
    the Validation Results list empty (a script drew it) and each validation page's
    "Expectation Suite" link pointed to a page that did not exist."""
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    dates = pd.DataFrame(
        {
            "date_key": [20261101, 20261102],
            "date": ["2026-11-01", "2026-11-02"],
            "day_of_week": [7, 1],
        }
    )
    docs = tmp_path / "docs"
    for run in ("run-1", "run-2"):
        validate_frames([(dim_date_suite(now), dates)], tmp_path / "gx", docs, run, now)
    pages = sorted(docs.rglob("*.html"))
    assert any("expectations" in p.parts for p in pages)  # the suites' own pages exist
    for page in pages:
        for link in _local_links(page):
            assert not link.startswith(("http://", "https://", "//")), (page, link)
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.exists(), (page.relative_to(docs), link)
    probe = docs / "probe.html"
    probe.write_text(
        (docs / "index.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    )
    dom = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # the network is off
            "--virtual-time-budget=3000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    import html
    import json

    seen = json.loads(html.unescape(found.group(1)))
    assert seen["border"] == "solid" and seen["band"] != "rgba(0, 0, 0, 0)", seen  # styled
    assert "system-ui" in seen["font"], seen
    assert seen["logo"] is True, seen
    assert seen["rows"] == 2, seen  # both validation results listed, without a script
