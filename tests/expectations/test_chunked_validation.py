"""A table larger than a chunk is judged in chunks, and the verdict is the whole table's:
counts add up, `mostly` is judged over the sums, a duplicate across the table is still one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from expectations.runner import suite_frames, validate_warehouse
from expectations.suites import SuiteSpec

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def suite() -> SuiteSpec:
    import great_expectations.expectations as gxe

    def meta(e, severity):
        e.meta = {"severity": severity}
        return e

    return SuiteSpec(
        "things",
        "select thing_key, size, label from things",
        (
            meta(gxe.ExpectColumnValuesToBeUnique(column="thing_key"), "critical"),
            meta(gxe.ExpectColumnValuesToBeBetween(column="size", min_value=0), "critical"),
            meta(gxe.ExpectColumnValuesToNotBeNull(column="label", mostly=0.9), "warning"),
            meta(
                gxe.ExpectColumnValuesToBeInSet(column="label", value_set=["a", "b"], mostly=0.97),
                "warning",
            ),
        ),
        partition_by="thing_key",
    )


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    # 1,000 rows: one key twice (rows 10 and 990, far apart), two negative sizes, 50 null
    # labels (5 %: within mostly 0.9), 40 labels "c" (4.2 % of the non-null: over 3 %)
    con.execute(
        """
        create table things as
        select case when i = 990 then 10 else i end as thing_key,
               case when i in (3, 700) then -1 else i end as size,
               case when i % 20 = 0 then null when i % 20 = 1 and i < 800 then 'c'
                    when i % 2 = 0 then 'a' else 'b' end as label
        from range(1000) t(i)
        """
    )
    yield con
    con.close()


def outcome(report) -> dict[str, tuple]:
    return {
        f"{r['expectation']}({r['column_name']})": (
            r["success"],
            r["element_count"],
            r["unexpected_count"],
        )
        for r in report.results
    }


def test_chunked_verdict_equals_the_whole_tables(con, tmp_path):
    spec = suite()
    frames = list(suite_frames(con, spec, chunk_rows=120))
    assert len(frames) == 9  # 1,000 rows / 120
    assert max(len(f) for f in frames) < 250  # no chunk near the table's size
    assert sum(len(f) for f in frames) == 1000

    whole = validate_warehouse(con, [suite()], tmp_path / "gx1", tmp_path / "d1", "r1", NOW)
    chunked = validate_warehouse(
        con, [suite()], tmp_path / "gx2", tmp_path / "d2", "r2", NOW, chunk_rows=120
    )
    assert outcome(chunked) == outcome(whole)
    found = outcome(chunked)
    assert found["expect_column_values_to_be_unique(thing_key)"] == (False, 1000, 2)
    assert found["expect_column_values_to_be_between(size)"] == (False, 1000, 2)
    assert found["expect_column_values_to_not_be_null(label)"] == (True, 1000, 50)
    assert found["expect_column_values_to_be_in_set(label)"] == (False, 1000, 40)
    assert chunked.verdict == whole.verdict == "fail"


def test_chunks_leave_one_stored_result_with_the_sums(con, tmp_path):
    """Data Docs show the suite over the whole table, not its last chunk."""
    validate_warehouse(con, [suite()], tmp_path / "gx", tmp_path / "docs", "r", NOW, chunk_rows=120)
    stored = list((tmp_path / "gx").rglob("uncommitted/validations/things/**/*.json"))
    assert len(stored) == 1
    result = json.loads(stored[0].read_text())
    counts = {r["expectation_config"]["type"]: r["result"] for r in result["results"]}
    assert counts["expect_column_values_to_be_between"]["element_count"] == 1000
    assert counts["expect_column_values_to_be_between"]["unexpected_count"] == 2
    assert result["statistics"]["unsuccessful_expectations"] == 3  # the two above, labels "c"
