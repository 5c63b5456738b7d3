"""BI exports: every mart table and view as Parquet (facts partitioned by publication year and
month) or CSV, with a manifest; and a snapshot database BI tools can keep open.

Both are written beside the live copy and swapped in when complete, so a reader never sees a
half-written export and a failed run leaves the previous one in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.tables import MART_TABLES, PARTITIONED
from warehouse.db import (
    READABLE_STORAGE,
    SQL_DIR,
    STORAGE_COMPATIBILITY,
    export_memory,
    path_literal,
    query_frame,
    run,
    scalar,
    storage_number,
)
from warehouse.faults import checkpoint

# their folders' columns, one declared type for every reader: hive folder names carry no type,
# and undeclared they came back as Int64 (polars), int32 (pyarrow), category (pandas) and
# BIGINT (DuckDB). BIGINT is what DuckDB and polars infer; the manifest and the README give
# pyarrow and pandas the same (`partition_schema`)
PARTITION_COLUMNS = {"year": "BIGINT", "month": "BIGINT"}


def partition_schema() -> pa.Schema:
    """The partition columns as Arrow types, for `ds.partitioning(..., flavor="hive")`."""
    return pa.schema([(name, pa.int64()) for name in PARTITION_COLUMNS])


SNAPSHOT_NAME = "gazette.duckdb"
SNAPSHOT_DIR = "snapshots"  # each snapshot under a name of its own (publish_snapshot)
SNAPSHOT_POINTER = "snapshot.json"
# string columns with few distinct values (a vocabulary, a code, one value per run or source):
# Parquet exports store them dictionary-encoded, and Arrow readers (pandas, polars, pyarrow)
# get categoricals, which BI tools group and filter faster than free text
LOW_CARDINALITY = frozenset(
    {
        "author_type",
        "authors_source",
        "content_type",
        "count_type",
        "country_code",
        "credit_agency",
        "day_name",
        "domain",
        "encoding",
        "encoding_source",
        "entity_type",
        "event_word",
        "extraction_method",
        "extractor",
        "extractor_version",
        "host",
        "language",
        "language_declared",
        "language_detected",
        "month_name",
        "outcome",
        "published_at_precision",
        "published_at_source",
        "purpose",
        "quote_kind",
        "resolution",
        "robots_decision",
        "robots_directives",
        "run_id",
        "source_id",
        "source_key",
        "source_name",
        "tag_source",
        "title_source",
        "verb",
    }
)
BATCH_ROWS = 50_000  # rows per Arrow batch and Parquet row group, at most
BATCH_BYTES = 32 << 20  # and about this many bytes: 50,000 articles with their text are 500 MB
SAMPLE_ROWS = 1_000


def batch_rows(con: duckdb.DuckDBPyConnection, select: str) -> int:
    """Rows per batch so that a batch holds about BATCH_BYTES, from the width of a sample: Arrow
    batches live outside DuckDB's memory limit, and a row of fact_article is 10 KB where a row
    of a bridge table is 100 bytes."""
    sample = con.sql(f"select * from ({select}) limit {SAMPLE_ROWS}").to_arrow_table()
    if sample.num_rows == 0:
        return BATCH_ROWS
    per_row = max(1, sample.nbytes // sample.num_rows)
    return max(100, min(BATCH_ROWS, BATCH_BYTES // per_row))


def export_schema(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema of an export: low-cardinality strings become dictionaries, and every
    timestamp says plain UTC (DuckDB labels them with the session zone, Etc/UTC)."""
    fields = []
    for f in schema:
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            f = f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        if f.name in LOW_CARDINALITY and (
            pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ):
            f = f.with_type(pa.dictionary(pa.int32(), pa.string()))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    select: str,
    target: Path,
    partition_by: tuple[str, ...] = (),
) -> pa.Schema:
    """Stream a query into Parquet, batch by batch (a table larger than memory is fine), with
    the export schema; partitioned into hive folders (year=2026/month=11) when asked."""
    rows = batch_rows(con, select)
    reader = con.sql(select).to_arrow_reader(rows)
    schema = export_schema(reader.schema)
    batches = (batch.cast(schema) for batch in reader)
    if partition_by:
        import pyarrow.dataset as ds  # here: it imports pandas, a second a run's start-up

        parts = pa.schema([schema.field(name) for name in partition_by])
        assert parts.equals(partition_schema()), parts
        ds.write_dataset(
            pa.RecordBatchReader.from_batches(schema, batches),
            target,
            format="parquet",
            partitioning=ds.partitioning(parts, flavor="hive"),
            basename_template="part-{i}.parquet",
            max_rows_per_group=rows,
            existing_data_behavior="overwrite_or_ignore",
        )
        if not any(Path(target).rglob("*.parquet")):
            write_empty_partition(Path(target), schema, partition_by)
        return schema
    with pq.ParquetWriter(target, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return schema


# the folder name hive readers take for a null partition value (pyarrow, polars, DuckDB)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def write_empty_partition(target: Path, schema: pa.Schema, partition_by: tuple[str, ...]) -> None:
    """An empty table still gets one file, with its schema, where readers look
    (`<table>/*/*/*.parquet`): the manifest names the folder, and a folder that is not there
    fails a BI reader's glob where an empty table should read as no rows."""
    folder = target.joinpath(*(f"{name}={NULL_PARTITION}" for name in partition_by))
    folder.mkdir(parents=True, exist_ok=True)
    columns = pa.schema([f for f in schema if f.name not in partition_by], metadata=schema.metadata)
    pq.write_table(columns.empty_table(), folder / "part-0.parquet")


def schema_version() -> str:
    """A digest of the DDL: it changes when a table or view changes shape."""
    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*.sql")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = query_frame(
        con,
        "select view_name from duckdb_views() where not internal and schema_name = 'main' "
        "and view_name like 'v\\_%' escape '\\' order by view_name",
    )
    return rows.get_column("view_name").to_list()


def view_definitions(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    """The BI views' SQL, for a copy to recreate them over its own tables."""
    rows = query_frame(
        con,
        "select view_name as name, sql from duckdb_views() where not internal "
        "and schema_name = 'main' and view_name like 'v\\_%' escape '\\' order by view_name",
    )
    return rows.to_dicts()


def watermark(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The last recorded change (ops.sync_state): everything up to it is in an export made now."""
    last = scalar(con, "select max(changed_at) from ops.sync_state")
    return last.astimezone(UTC) if isinstance(last, datetime) else None


class ExportTargetError(ValueError):
    """An export target holding what gazette did not write: the message names the path."""


# in every folder an export writes, from its first moment: the folder is ours to replace, even
# when a killed export left it without its manifest
EXPORT_MARK = ".gazette-export"


def _names_in(value: object) -> set[str]:
    """Every string anywhere in a manifest: the files it names among them."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_names_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_names_in(v) for v in value))
    return set()


def foreign_entry(folder: Path) -> Path | None:
    """What in `folder` an export of ours did not write (None: the folder is ours to replace).

    Ours is a folder with no entries, or one whose every entry is named by its manifest (a
    finished export of either kind) or that carries the mark (one killed half way). A file
    a user put beside a finished export makes the folder not ours: replacing it would lose it."""
    if not folder.is_dir():
        return folder
    entries = list(folder.iterdir())
    if not entries:
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), list):
        if (folder / EXPORT_MARK).is_file():  # killed before its manifest: all of it ours
            return None
        return next((e for e in entries if e.name != "manifest.json"), entries[0])
    named = _names_in(manifest) | {"manifest.json", EXPORT_MARK}
    return next((e for e in entries if e.name not in named), None)


def check_target(out_dir: Path, protected: tuple[Path, ...] = ()) -> Path:
    """The export folder, resolved, when writing it (and its .tmp and .old siblings) deletes
    nothing gazette did not write; else ExportTargetError naming the path.

    An export replaces its folder whole, so a wrong --out (the home, `.`, a user's folder)
    would delete what is there: only a new or empty folder, or a previous export of ours, is
    a target, and never a protected folder (the home, the warehouse's) or one above it."""
    out = Path(os.path.abspath(Path(out_dir).expanduser())).resolve()
    for keep in protected:
        keep = Path(os.path.abspath(keep)).resolve()
        if out == keep or out in keep.parents:
            what = "is the home" if out == keep else f"holds the home {keep}"
            raise ExportTargetError(
                f"--out {out_dir}: {out} {what}; an export replaces its folder whole, so it "
                "never goes to the home, the warehouse's folder or a folder above them: choose "
                "a new or empty folder"
            )
    if out.parent == out:
        raise ExportTargetError(f"--out {out_dir}: the root folder is not an export folder")
    for folder in (out, out.with_name(out.name + ".tmp"), out.with_name(out.name + ".old")):
        if folder.exists() or folder.is_symlink():
            foreign = foreign_entry(folder)
            if foreign is not None:
                what = "is not a folder" if foreign == folder else f"holds {foreign.name}"
                raise ExportTargetError(
                    f"--out {out_dir}: {folder} {what}, which gazette did not write; an export "
                    "replaces its folder whole, so it only writes a new or empty folder or one "
                    "holding a previous export (with its manifest.json): choose another --out"
                )
    return out


def beside(out_dir: Path, fmt: str, protected: tuple[Path, ...] = ()) -> tuple[Path, Path]:
    """The output folder and an empty staging folder beside it (marked as ours), to swap in
    when complete; ExportTargetError when that would delete what we did not write."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    out_dir = check_target(out_dir, protected)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / EXPORT_MARK).write_text("written by gazette export\n", encoding="utf-8")
    return out_dir, staging


def warehouse_folder(con: duckdb.DuckDBPyConnection) -> tuple[Path, ...]:
    """The folder of the connection's database file (the home): never an export target."""
    path = scalar(
        con, "select path from duckdb_databases() where database_name = current_database()"
    )
    return (Path(str(path)).parent,) if path else ()


# the one spelling of a timestamp in what gazette writes as text (CSV exports, `gazette sql`'s
# csv and json, `status --format json`): ISO 8601, UTC, microseconds, a Z
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_timestamp(value: datetime) -> str:
    """A timestamp as gazette writes it; a naive one (no zone) without the Z."""
    if value.tzinfo is None:
        return value.strftime(TIMESTAMP_FORMAT[:-1])
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def write_csv(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> None:
    """UTF-8 with a header; timestamps as `TIMESTAMP_FORMAT` says."""
    path = path_literal(target)
    run(
        con,
        f"copy ({select}) to '{path}' "
        f"(format csv, header true, timestampformat '{TIMESTAMP_FORMAT}')",
    )


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by the complete staging folder: two renames, never a half-written set."""
    previous = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(previous)
    staging.rename(out_dir)
    shutil.rmtree(previous, ignore_errors=True)


def export_marts(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    fmt: str = "parquet",
    run_id: str | None = None,
    protected: tuple[Path, ...] = (),
) -> Path:
    """Write every mart table and BI view into `out_dir` with a manifest.json; readers never
    see a half-written set. The manifest names the run the export belongs to (by default the
    last finished one) and its watermark: every change recorded up to it is in, so a consumer
    can go on with `gazette export --changes-since WATERMARK`. Nothing is written where it
    would replace what we did not write, nor over `protected` and the warehouse's folder."""
    out_dir, staging = beside(out_dir, fmt, (*protected, *warehouse_folder(con)))
    entries = []
    names = [*MART_TABLES, *_views(con)]
    for name in names:
        if len(entries) == len(names) // 2:
            checkpoint("export")  # crash drill: half the new set written, nothing swapped
        partitioned = fmt == "parquet" and name in PARTITIONED
        select = f"select * from {name}"
        if partitioned:
            target = staging / name
            select = (
                f"select *, (published_date_key // 10000)::bigint as year, "
                f"((published_date_key // 100) % 100)::bigint as month from {name}"
            )
        else:
            target = staging / f"{name}.{fmt}"
        if fmt == "parquet":
            written = write_parquet(
                con, select, target, tuple(PARTITION_COLUMNS) if partitioned else ()
            )
            arrow_types = {f.name: str(f.type) for f in written}
        else:
            write_csv(con, select, target)
            arrow_types = {}
        columns = query_frame(con, f"describe ({select})")  # the partition columns too
        entries.append(
            {
                "name": name,
                "kind": "view" if name.startswith("v_") else "table",
                "path": target.name,
                "partitioned_by": list(PARTITION_COLUMNS) if partitioned else [],
                # hive folders: read them with these types (README, "Reading the exports")
                **({"partition_types": PARTITION_COLUMNS} if partitioned else {}),
                "rows": int(scalar(con, f"select count(*) from {name}")),
                "columns": [
                    {
                        "name": c,
                        "type": t,
                        **({"arrow_type": arrow_types[c]} if arrow_types else {}),
                    }
                    for c, t in zip(
                        columns.get_column("column_name"),
                        columns.get_column("column_type"),
                        strict=True,
                    )
                ],
            }
        )
    if run_id is None:
        run_id = scalar(
            con,
            "select run_id from ops.etl_run where status in ('succeeded', 'failed_quality') "
            "and finished_at is not null order by finished_at desc limit 1",
        )
    mark = watermark(con)  # `gazette export --changes-since` it gives what came after
    manifest = {
        "format": fmt,
        "schema_version": schema_version(),
        "run_id": run_id,
        "watermark": mark.isoformat() if mark else None,
        "generated_at": datetime.now(UTC).isoformat(),
        "tables": entries,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    swap_in(staging, out_dir)
    return out_dir


def _copy_checkpointed(source: Path, target: Path) -> bool:
    """A byte copy of the warehouse file, when its last writer checkpointed it (no write-ahead
    log beside it): the file then holds every committed row, and under the run's lock nobody
    writes it. COPY FROM DATABASE took 170 MB of memory and 15 s for a 103 MB warehouse, and
    was the run's peak at 20,000 ingested articles; a file copy takes the page cache only.
    False (nothing copied) when a log is there."""
    if Path(f"{source}.wal").exists():
        return False
    if (storage_number(source) or 0) > READABLE_STORAGE:  # a warehouse of an older gazette
        return False  # copied through DuckDB, into the format 1.x tools read
    shutil.copyfile(source, target)
    if Path(f"{source}.wal").exists():  # a writer came in meanwhile: this copy may be torn
        target.unlink(missing_ok=True)
        return False
    return True


def _copy_database(source: Path, target: Path) -> None:
    """The warehouse copied table by table through DuckDB (whose log is replayed on attach)."""
    con = duckdb.connect()
    try:
        # a bare connection may cache up to 80 % of the machine's memory while it copies
        run(con, "set memory_limit = ?", [export_memory()])
        run(con, f"attach '{path_literal(source)}' as gazette (read_only)")
        storage = f"(storage_version '{STORAGE_COMPATIBILITY}')"
        run(con, f"attach '{path_literal(target)}' as snapshot {storage}")
        run(con, "copy from database gazette to snapshot")
        run(con, "detach snapshot")
    finally:
        con.close()


def publish_snapshot(home: Path, label: str | None = None) -> Path:
    """exports/gazette.duckdb: a copy of the whole warehouse (tables, views, ops) that BI tools
    can keep open while tonight's run writes the live file. Replaced atomically: a reader
    holding the old one keeps reading it, and sees the new one when it reopens.

    DuckDB keeps one database instance per path in a process: while any connection to
    exports/gazette.duckdb is open, opening that path again gives the old instance, the old
    data. So each snapshot is also reachable under a name of its own,
    exports/snapshots/gazette-<label>.duckdb (the same file, hard-linked: no second copy),
    named in exports/snapshot.json; a process that must see the new one without closing its
    connections opens that path (`latest_snapshot`)."""
    home = Path(home)
    exports = home / "exports"
    target = exports / SNAPSHOT_NAME
    versions = exports / SNAPSHOT_DIR
    versions.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(SNAPSHOT_NAME + ".tmp")
    for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if not _copy_checkpointed(home / "gazette.duckdb", temporary):
        _copy_database(home / "gazette.duckdb", temporary)
    label = label or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = versions / f"gazette-{label}.duckdb"
    version.unlink(missing_ok=True)  # a retried publish of the same run
    try:
        os.link(temporary, version)
    except OSError:  # a filesystem without hard links: a second copy, then
        shutil.copyfile(temporary, version)
    os.replace(temporary, target)
    pointer = exports / SNAPSHOT_POINTER
    pointer.with_suffix(".tmp").write_text(
        json.dumps({"path": str(version.relative_to(exports)), "label": label}), encoding="utf-8"
    )
    os.replace(pointer.with_suffix(".tmp"), pointer)
    for old in versions.glob("gazette-*.duckdb"):  # readers holding one keep reading it
        if old != version:
            old.unlink(missing_ok=True)
    return target


def latest_snapshot(home: Path) -> Path:
    """The newest snapshot under its own name: open it to see tonight's data even while this
    process still holds a connection to an older one."""
    exports = Path(home) / "exports"
    pointer = json.loads((exports / SNAPSHOT_POINTER).read_text(encoding="utf-8"))
    return exports / pointer["path"]
