"""A critical data-quality failure: the run exits 1, good rows load, bad ones wait in
quarantine with the expectation and the record."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from tests.builders import article_html
from warehouse.db import connect

pytestmark = pytest.mark.e2e


def test_critical_failure_exits_1_good_rows_load_bad_rows_wait(prefect_harness, site, tmp_path):
    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    site.add("/good1.html", article_html("Harbour council backs new ferry timetable", "One. "))
    site.add("/good2.html", article_html("Island school reopens after storm repairs", "Two. "))
    site.add("/bad.html", article_html("Breaking " + "very " * 150 + "long headline", "Three. "))
    items = "".join(
        f"<item><title>t x</title><link>{site.url(p)}</link></item>"
        for p in ("/good1.html", "/good2.html", "/bad.html")
    )
    site.add("/feed.xml", f"<rss><channel>{items}</channel></rss>", Content_Type="application/xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "Gate Times"\nfeeds = ["{site.url("/feed.xml")}"]\n'
    )
    home = tmp_path / "home"
    result = CliRunner().invoke(
        app, ["--quiet", "run", "--sources", str(sources), "--home", str(home)]
    )
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output and "quarantine" in result.output
    # plain lines for logs: one per stage, one per dropped article with its reason
    assert "[gazette] fetch: 3/3 in" in result.output
    assert f"[gazette] dropped (quarantine): {site.url('/bad.html')}: " in result.output
    con = connect(home, read_only=True)
    titles = sorted(r[0] for r in con.execute("select title from fact_article").fetchall())
    held = con.execute(
        "select url, stage, expectation, reason, record from ops.quarantine"
    ).fetchall()
    verdict = con.execute("select status, dq_verdict from ops.etl_run").fetchall()
    failed = con.execute(
        "select suite, expectation, column_name from v_dq_latest where not success "
        "and severity = 'critical'"
    ).fetchall()
    con.close()
    assert titles == [
        "Harbour council backs new ferry timetable",
        "Island school reopens after storm repairs",
    ]
    [(url, stage, expectation, reason, record)] = held
    assert (url, stage) == (site.url("/bad.html"), "validate")
    assert expectation == "expect_column_values_to_be_between(title_length)"
    assert "title_length" in reason
    assert json.loads(record)["title"].startswith("Breaking very very")
    assert verdict == [("failed_quality", "fail")]
    assert ("staging_article", "expect_column_values_to_be_between", "title_length") in failed
