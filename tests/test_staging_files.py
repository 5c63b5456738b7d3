"""Staging files: records round-trip (nested lists and structs, UTC times), and what a dead
run left is cleared by the next one."""

from __future__ import annotations

from datetime import UTC, datetime

from warehouse import staging_files


def test_records_round_trip_and_dead_runs_are_cleared(tmp_path):
    records = [
        {
            "url": "http://n/1",
            "published_at": datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
            "authors": ["Ana Ruiz"],
            "entities": [{"entity_key": "k", "offsets": [[0, 4]], "latitude": 51.5}],
            "tone": None,
        },
        {
            "url": "http://n/2",
            "published_at": None,
            "authors": [],
            "entities": [],
            "tone": 0.25,
        },
    ]
    first = staging_files.write_records(tmp_path, "run-1", records)
    second = staging_files.write_records(tmp_path, "run-1", records[:1])
    assert staging_files.write_records(tmp_path, "run-1", []) is None
    back = staging_files.read_records([first, second])
    assert back == [*records, records[0]]
    assert not list(staging_files.staging_dir(tmp_path, "run-1").glob("*.partial"))

    staging_files.write_records(tmp_path, "run-0", records)  # a run that died before loading
    assert staging_files.clear_others(tmp_path, "run-1") == ["run-0"]
    assert [p.name for p in (tmp_path / "staging").iterdir()] == ["run-1"]
    staging_files.clear(tmp_path, "run-1")
    assert not staging_files.staging_dir(tmp_path, "run-1").exists()
