"""`gazette export --out`: an export replaces its folder whole, so it writes only where that
deletes nothing gazette did not write; and every path its manifest names opens."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from transforms.tables import PARTITIONED
from warehouse.db import connect


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with an (empty) warehouse and a raw archive file beside it."""
    home = tmp_path / "home"
    connect(home).close()
    (home / "raw").mkdir()
    (home / "raw" / "night.warc.gz").write_bytes(b"kept")
    return home


def _export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--quiet", "export", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, " ".join(result.output.split())


def _home_intact(home: Path) -> None:
    assert (home / "gazette.duckdb").stat().st_size > 0
    assert (home / "raw" / "night.warc.gz").read_bytes() == b"kept"


@pytest.mark.parametrize("changes", [False, True], ids=["full", "changes-since"])
def test_export_into_the_home_or_above_is_refused_and_deletes_nothing(
    home, tmp_path, monkeypatch, changes
):
    since = ["--changes-since", "1970-01-01"] if changes else []
    monkeypatch.chdir(home)
    for out in (str(home), str(tmp_path), ".", str(home / "exports" / ".." / "..")):
        code, output = _export("--home", str(home), "--out", out, *since)
        assert code == 2, (out, output)
        assert "error:" in output and "never goes to the home" in output, output
        _home_intact(home)


@pytest.mark.parametrize("changes", [False, True], ids=["full", "changes-since"])
def test_export_into_a_folder_of_user_files_is_refused_and_keeps_them(home, tmp_path, changes):
    since = ["--changes-since", "1970-01-01"] if changes else []
    mine = tmp_path / "reports"
    mine.mkdir()
    (mine / "q3.xlsx").write_bytes(b"a user's work")
    code, output = _export("--home", str(home), "--out", str(mine), *since)
    assert code == 2
    assert str(mine) in output and "q3.xlsx" in output, output
    assert (mine / "q3.xlsx").read_bytes() == b"a user's work"
    assert sorted(p.name for p in mine.iterdir()) == ["q3.xlsx"]

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, output = _export("--home", str(home), "--out", str(a_file), *since)
    assert code == 2 and "is not a folder" in output
    assert a_file.read_text() == "mine"


def test_export_replaces_its_own_previous_export_but_not_a_file_added_to_it(home, tmp_path):
    out = tmp_path / "bi"
    out.mkdir()  # an empty folder made for it is a fine target
    assert _export("--home", str(home), "--out", str(out))[0] == 0
    first = json.loads((out / "manifest.json").read_text())
    assert _export("--home", str(home), "--out", str(out))[0] == 0  # ours: replaced
    assert json.loads((out / "manifest.json").read_text())["generated_at"] != first["generated_at"]

    (out / "my_dashboard.pbix").write_bytes(b"user")
    code, output = _export("--home", str(home), "--out", str(out))
    assert code == 2 and "my_dashboard.pbix" in output
    assert (out / "my_dashboard.pbix").read_bytes() == b"user"
    assert (out / "manifest.json").exists()


def test_a_killed_exports_leftover_is_cleared_but_a_foreign_tmp_folder_is_not(home, tmp_path):
    out = tmp_path / "bi"
    assert _export("--home", str(home), "--out", str(out))[0] == 0
    # what a killed export leaves: its marked staging folder, half written, no manifest
    leftover = tmp_path / "bi.tmp"
    leftover.mkdir()
    (leftover / ".gazette-export").write_text("")
    (leftover / "dim_source.parquet").write_bytes(b"half")
    assert _export("--home", str(home), "--out", str(out))[0] == 0
    assert not leftover.exists()

    leftover.mkdir()
    (leftover / "thesis.docx").write_bytes(b"not ours")
    code, output = _export("--home", str(home), "--out", str(out))
    assert code == 2 and "thesis.docx" in output
    assert (leftover / "thesis.docx").exists()


def test_every_path_the_manifest_names_opens_even_for_empty_tables(home, tmp_path):
    out = tmp_path / "bi"
    assert _export("--home", str(home), "--out", str(out))[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    con = duckdb.connect()
    for entry in manifest["tables"]:
        path = out / entry["path"]
        assert path.exists(), entry["name"]
        if entry["partitioned_by"]:
            glob = f"{path}/*/*/*.parquet"
            query = (
                f"select * from read_parquet('{glob}', hive_partitioning = true, "
                "hive_types = {'year': BIGINT, 'month': BIGINT})"
            )
        else:
            query = f"select * from read_parquet('{path}')"
        assert con.execute(f"select count(*) from ({query})").fetchone()[0] == entry["rows"]
        columns = [row[0] for row in con.execute(f"describe {query}").fetchall()]
        assert sorted(columns) == sorted(c["name"] for c in entry["columns"]), entry["name"]
    assert {e["name"] for e in manifest["tables"] if e["partitioned_by"]} == set(PARTITIONED)
