"""Staged packages: written whole or not at all, checked against their manifest and the raw
archive before a resumed run loads them."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from flows.staging.build import build_package, fetched_work, finish_package
from tests.builders import fetched_page
from warehouse import packages
from warehouse.raw_archive import WarcArchive

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def archived(home, name: str, numbers: range):
    """Fetched pages, archived as a fetch archives them, and the batch's work."""
    pages = [fetched_page(n) for n in numbers]
    with WarcArchive(home, f"test-{name}", NOW) as archive:
        for p in pages:
            p.archive = archive.write_response(p)
    return pages, fetched_work(home, "run-1", name, [p.url for p in pages], pages, None)


def staged(home, name: str, numbers: range):
    return build_package(archived(home, name, numbers)[1])


def test_a_package_appears_only_when_sealed_and_matches_its_manifest(tmp_path):
    built = staged(tmp_path, "b000000", range(3))
    assert built.folder.name.startswith(".")  # still partial: the loader cannot see it
    assert packages.inventory(tmp_path).packages == []
    built = staged(tmp_path, "b000000", range(3))
    package, held = finish_package(built, NOW)
    assert held == [] and not built.folder.exists()
    (found,) = packages.inventory(tmp_path).packages
    assert found.folder == package.folder and found.manifest.batch == "b000000"
    assert found.manifest.counts["fact_article"] == 3 == found.manifest.extracted
    assert found.manifest.counts["raw_fetch"] == 3
    assert packages.inventory(tmp_path).urls == {f"http://pool.example/{n}" for n in range(3)}


def test_incomplete_and_broken_packages_are_discarded_with_a_reason(tmp_path):
    staged(tmp_path, "b000000", range(2))  # killed before its seal
    short, _ = finish_package(staged(tmp_path, "b000001", range(2)), NOW)
    frame = pl.read_parquet(short.file("fact_article"))
    frame.head(1).write_parquet(short.file("fact_article"))  # a file that lost rows
    lost, _ = finish_package(staged(tmp_path, "b000002", range(4, 6)), NOW)
    archive = tmp_path / pl.read_parquet(lost.file("raw_fetch"))["warc_file"][0]
    archive.write_bytes(archive.read_bytes()[:100])  # the archive lost its records
    whole, _ = finish_package(staged(tmp_path, "b000003", range(7, 9)), NOW)
    found = packages.inventory(tmp_path)
    assert [p.manifest.batch for p in found.packages] == ["b000003"]
    reasons = {folder.name: why for folder, why in found.discarded}
    assert reasons[".partial-b000000"].startswith("incomplete")
    assert reasons["b000001"] == "fact_article.parquet has 1 rows, its manifest says 2"
    assert (
        reasons["b000002"].startswith("its archive file") and "stops before" in reasons["b000002"]
    )
    assert not short.folder.exists() and not lost.folder.exists()  # removed, said so
    assert whole.folder.exists()


def test_a_package_file_damaged_inside_is_discarded_though_its_footer_reads(tmp_path):
    """Row counts come from the footer: a page changed mid-file passes them, and the load
    then died on it (a ZSTD error) on every rerun. The check decodes what the load reads."""
    damaged, _ = finish_package(staged(tmp_path, "b000000", range(3)), NOW)
    path = damaged.file("fact_article")
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    path.write_bytes(bytes(data))
    assert pl.scan_parquet(path).select(pl.len()).collect().item() == 3  # the footer is sound
    finish_package(staged(tmp_path, "b000001", range(4, 6)), NOW)
    found = packages.inventory(tmp_path)
    assert [p.manifest.batch for p in found.packages] == ["b000001"]
    ((folder, why),) = found.discarded
    assert folder == damaged.folder and why.startswith("fact_article.parquet is damaged"), why
    assert not damaged.folder.exists()
    assert found.urls == {f"http://pool.example/{n}" for n in range(4, 6)}  # fetched again


def test_the_row_gate_holds_back_a_failing_row_and_what_only_it_pointed_at(tmp_path):
    built = staged(tmp_path, "b000000", range(2))
    gate = pl.read_parquet(built.folder / "gate.parquet")
    gate.with_columns(
        title_length=pl.when(pl.col("row_id") == 0).then(0).otherwise(pl.col("title_length"))
    ).write_parquet(built.folder / "gate.parquet")
    package, held = finish_package(built, NOW)
    assert len(held) == 1 and held[0][0] == "quarantine" and "title_length" in held[0][2]
    assert pl.read_parquet(package.file("fact_article")).height == 1
    quarantine = pl.read_parquet(package.file("quarantine"))
    assert quarantine.get_column("stage").to_list() == ["validate"]
    results = pl.read_parquet(package.file("dq_result"))
    failed = results.filter(~pl.col("success") & (pl.col("severity") == "critical"))
    assert failed.get_column("column_name").to_list() == ["title_length"]


def load(home, run_id: str, sources=()):
    from prefect.logging import disable_run_logger

    from flows.tasks import load_task

    with disable_run_logger():
        return load_task.fn(home, run_id, NOW, list(sources), True)


def test_a_package_left_after_its_load_committed_is_not_loaded_twice(tmp_path):
    from warehouse.db import connect, scalar

    broken = fetched_page(2)
    broken.body = b"%PDF-1.7 not a page"

    def stage_once():
        pages = [fetched_page(0), fetched_page(1), broken]
        with WarcArchive(tmp_path, "test-again", NOW) as archive:
            for p in pages:
                p.archive = archive.write_response(p)
        work = fetched_work(tmp_path, "run-1", "b000000", [p.url for p in pages], pages, None)
        finish_package(build_package(work), NOW)

    stage_once()
    counts, loaded, _ = load(tmp_path, "run-2")
    assert counts.articles_new == 2 and len(loaded) == 1
    stage_once()  # the same package again: as if the process died before removing it
    counts, loaded, _ = load(tmp_path, "run-3")
    assert counts.articles_new == 0 and loaded == []
    assert not any((tmp_path / "staging").glob("*/*"))
    con = connect(tmp_path, read_only=True)
    assert scalar(con, "select count(*) from ops.quarantine") == 1  # not twice
    assert scalar(con, "select count(*) from ops.staged_package") == 1
    con.close()


def test_sources_only_an_interrupted_run_named_still_get_a_dimension_row(tmp_path):
    from warehouse.db import connect, scalar

    finish_package(staged(tmp_path, "b000000", range(2)), NOW)
    load(tmp_path, "run-2", sources=[])  # this run configures no source at all
    con = connect(tmp_path, read_only=True)
    orphans = scalar(
        con,
        "select count(*) from fact_article a left join dim_source s using (source_key) "
        "where s.source_key is null",
    )
    names = con.execute("select source_name from dim_source").fetchall()
    con.close()
    assert orphans == 0 and names == [("Pool",)]


def test_archived_pages_travel_to_the_worker_without_their_bodies(tmp_path):
    # the run's process hands a worker only where the bytes are; the worker reads them back
    _, work = archived(tmp_path, "b000000", range(3))
    assert [p.body for p in work.pages] == [b"", b"", b""]
    package, _ = finish_package(build_package(work), NOW)
    assert package.manifest.extracted == 3


def test_a_page_whose_archived_bytes_were_damaged_is_quarantined_and_the_rest_stage(tmp_path):
    pages, work = archived(tmp_path, "b000000", range(3))
    warc = tmp_path / pages[1].archive.warc_file
    data = bytearray(warc.read_bytes())
    at = pages[1].archive.offset + pages[1].archive.length // 2
    data[at : at + 8] = b"\x00" * 8  # a record's bytes changed after it was written
    warc.write_bytes(bytes(data))
    built = build_package(work)
    assert [(stage, url) for stage, url, _ in built.dropped] == [("extract", pages[1].url)]
    assert "archived body unreadable" in built.dropped[0][2]
    package, _ = finish_package(built, NOW)
    assert package.manifest.extracted == 2
    quarantined = pl.read_parquet(package.file("quarantine"))
    assert quarantined["url"].to_list() == [pages[1].url]
