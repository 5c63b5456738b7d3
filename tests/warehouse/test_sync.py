"""Incremental deliveries: a consumer that applies `gazette export --changes-since` deliveries in
order to an empty copy ends with the warehouse's marts, merges and withdrawals included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from tests.builders import article_html
from transforms.tables import MART_TABLES
from warehouse.db import connect
from warehouse.sync import apply_delivery, change_stamp, record_changes

pytestmark = pytest.mark.e2e
PER_SOURCE_MONTH = (
    "select source_name, year, month, count(*) as articles from fact_article f "
    "join dim_source using (source_key) join dim_date d on d.date_key = f.published_date_key "
    "where f.is_current group by all order by all"
)


def _page(title: str, extra: str, day: int, canonical: str | None = None) -> str:
    head = f"<meta property='article:published_time' content='2026-{10 + day % 2}-{day:02d}'>"
    if canonical:
        head += f"<link rel='canonical' href='{canonical}'>"
    return article_html(title, extra).replace("</head>", head + "</head>", 1)


def _feed(site, paths: list[str]) -> None:
    items = "".join(f"<item><title>t</title><link>{site.url(p)}</link></item>" for p in paths)
    site.add("/feed.xml", f"<rss><channel>{items}</channel></rss>", Content_Type="application/xml")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["--quiet", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _deliver(home: Path, since: str, out: Path) -> dict:
    output = _cli("export", "--home", str(home), "--changes-since", since, "--out", str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"Next: --changes-since {manifest['watermark']}" in re.sub(r"\s+", " ", output)
    return manifest


@pytest.mark.parametrize("per_pass", [10_000, 2], ids=["one-pass", "by-buckets"])
def test_deliveries_replayed_in_order_reproduce_the_warehouse(
    prefect_harness, site, tmp_path, monkeypatch, per_pass
):
    # a big night's change tracking goes a bucket of articles at a time: same records
    monkeypatch.setattr("warehouse.sync.ARTICLES_PER_PASS", per_pass)
    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    for n in range(1, 5):
        site.add(f"/a{n}.html", _page(f"Harbour story number {n} of the week", f"S{n}. ", n))
    _feed(site, ["/a1.html", "/a2.html", "/a3.html", "/a4.html"])
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "Sync Times"\nfeeds = ["{site.url("/feed.xml")}"]\n'
    )
    home = tmp_path / "home"
    run = ["run", "--sources", str(sources), "--home", str(home)]
    _cli(*run)
    first = _deliver(home, "1970-01-01", tmp_path / "d0")

    # the next night: a1 is edited, a3 now declares a canonical URL (same article, new key),
    # a4 is withdrawn (410), a5 is new
    site.add("/a1.html", _page("Harbour story number 1 of the week", "Edited. ", 1))
    site.add("/a3.html", _page("Harbour story number 3 of the week", "S3. ", 3, "/stories/3"))
    site.add("/a4.html", "gone", status=410)
    site.add("/a5.html", _page("Harbour story number 5 of the week", "S5. ", 5))
    _feed(site, ["/a1.html", "/a2.html", "/a3.html", "/a4.html", "/a5.html"])
    _cli(*run, "--refresh")
    second = _deliver(home, first["watermark"], tmp_path / "d1")
    # nothing happened since: an empty delivery, and the watermark stays
    third = _deliver(home, second["watermark"], tmp_path / "d2")

    con = connect(home)
    # each load recorded only what it touched; comparing everything finds nothing it missed
    missed = record_changes(con, None, change_stamp(con))
    assert set(missed.values()) == {0}, missed
    tombstones = con.execute(
        "select url, reason, merged_into is not null, detail from ops.tombstone order by url"
    ).fetchall()
    merged_into = con.execute(
        "select url from fact_article where article_key = "
        "(select merged_into from ops.tombstone where reason = 'merged')"
    ).fetchall()
    truth = {t: con.execute(f"select * from {t}").fetchall() for t in MART_TABLES}
    bi = con.execute(PER_SOURCE_MONTH).fetchall()
    con.close()
    assert tombstones == [
        (site.url("/a3.html"), "merged", True, f"same URL {site.url('/a3.html')}"),
        (site.url("/a4.html"), "withdrawn", False, "HTTP 410"),
    ]
    assert merged_into == [(site.url("/a3.html"),)]
    rows = {t["name"]: t["rows"] for t in second["tables"]}
    deleted = {t["name"]: t["deleted"] for t in second["tables"]}
    # a1: old version closed + new version; a3 under its new key; a5 new. a2 untouched.
    assert rows["fact_article"] == 4
    assert deleted["fact_article"] == 2
    assert rows["fact_article_edit"] == 1
    assert rows["dim_source"] == 0 and deleted["dim_source"] == 0
    assert sum(t["rows"] + t["deleted"] for t in third["tables"]) == 0
    assert third["watermark"] == second["watermark"] > first["watermark"]
    gone = duckdb.sql(
        f"select reason, merged_into is not null from '{tmp_path}/d1/fact_article.deleted.parquet'"
        " order by reason"
    ).fetchall()
    assert gone == [("merged", True), ("withdrawn", False)]

    copy = duckdb.connect(str(tmp_path / "copy.duckdb"))
    for delivery in ("d0", "d1", "d2", "d1"):  # a delivery applied twice changes nothing
        apply_delivery(copy, tmp_path / delivery)
    for table, expected in truth.items():
        got = copy.execute(f"select * from {table}").fetchall()
        assert sorted(got, key=repr) == sorted(expected, key=repr), table
    assert copy.execute(PER_SOURCE_MONTH).fetchall() == bi
    assert copy.execute("select count(*) from v_article").fetchall() == [(4,)]
    copy.close()
