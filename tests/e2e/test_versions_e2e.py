"""A site that changes between runs: an edited article becomes version 2 with its edit, and a
source whose settings change gets a new dim_source version."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from flows.cli.demo_site import SITE_DIR, serve_demo
from warehouse.db import connect

pytestmark = pytest.mark.e2e
PAGE = "local/2026-11-01/sorrel-flood-warnings-hollin-bridge.html"
NOTICE = "Correction: an earlier version of this article gave the wrong river level."


def test_edited_article_and_changed_source_are_versioned(prefect_harness, tmp_path):
    from flows.nightly import nightly_news

    site_dir = tmp_path / "site"
    shutil.copytree(SITE_DIR, site_dir)
    home = tmp_path / "home"
    with serve_demo(site_dir) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml())
        nightly_news(sources_file=sources, home=home)

        page = site_dir / "valley-ledger" / PAGE
        html = page.read_text()
        html = html.replace("2.9 metres", "3.1 metres", 1)
        html = re.sub(r"(</p>)(\s*</div>\s*</div>)", rf"\1<p>{NOTICE}</p>\2", html, count=1)
        page.write_text(html)
        sitemap = site_dir / "valley-ledger" / "sitemaps" / "2026-11-a.xml"
        changed = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        text = sitemap.read_text()
        at = text.index(PAGE)
        end = text.index("</lastmod>", at)
        start = text.index("<lastmod>", at) + len("<lastmod>")
        sitemap.write_text(text[:start] + changed + text[end:])
        config = (
            sources.read_text()
            .replace(
                'feeds = ["' + site.bases["harbor-herald"] + '/feed.xml"]',
                'feeds = ["' + site.bases["harbor-herald"] + '/feed.xml"]\nmax_articles = 100',
            )
            .replace(
                'name = "Harbor Herald"',
                'name = "Harbor Herald"\nsitemaps = ["'
                + site.bases["harbor-herald"]
                + '/none.xml"]',
            )
        )
        sources.write_text(config)
        second = nightly_news(sources_file=sources, home=home)

    con = connect(home, read_only=True)
    versions = con.execute(
        "select version, is_current, valid_to is not null from fact_article "
        "where url like ? order by version",
        ["%" + PAGE],
    ).fetchall()
    edit = con.execute(
        "select from_version, to_version, headline_changed, body_changed, correction_notice "
        "from fact_article_edit"
    ).fetchall()
    herald = con.execute(
        "select version, is_current from dim_source where source_name = 'Harbor Herald' "
        "order by version"
    ).fetchall()
    current_articles = con.execute("select count(*) from fact_article where is_current").fetchall()
    con.close()
    assert second.load is not None and second.load.articles_changed == 1
    assert versions == [(1, False, True), (2, True, False)]
    assert edit == [(1, 2, False, True, NOTICE)]
    assert herald == [(1, False), (2, True)]
    assert current_articles == [(45,)]
