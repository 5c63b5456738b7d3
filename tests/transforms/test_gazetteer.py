"""The gazetteer is built once per machine and cached; every process reads the same one."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from transforms import gazetteer as module


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_CACHE_DIR", str(tmp_path))
    module.gazetteer.cache_clear()
    yield tmp_path
    module.gazetteer.cache_clear()


def test_a_second_process_reads_the_cached_copy_without_building(cache_dir, monkeypatch):
    built = module.gazetteer()
    assert module.cache_path().parent == cache_dir and module.cache_path().exists()
    module.gazetteer.cache_clear()

    def no_build():
        raise AssertionError("built again although a cached copy exists")

    monkeypatch.setattr(module, "build_gazetteer", no_build)
    assert module.gazetteer() == built


def test_an_unreadable_cached_copy_is_rebuilt_and_replaced(cache_dir):
    path = module.cache_path()
    path.write_bytes(b"half a pickle")
    assert module.gazetteer().lookup("france")
    with path.open("rb") as file:
        assert isinstance(pickle.load(file), module.Gazetteer)


def test_two_processes_build_the_same_gazetteer(tmp_path):
    # set iteration order differs between processes; the entries' order must not
    script = (
        "from transforms.gazetteer import build_gazetteer;"
        "print([e.surface for e in build_gazetteer().lookup('uk')])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=module.Path(module.__file__).parents[1],
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
