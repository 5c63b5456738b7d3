"""Batch planning: which URLs are fetched and staged together, and in what order."""

from __future__ import annotations

from transforms.records import Candidate
from transforms.urls import host_of

# URLs per batch: the pool gets work early, the API few task runs. 100 rather than 50: the
# row gate's fixed cost (GX, 0.3 s a batch) and each batch's tables and task runs are paid
# half as often; at N = 3,000, 25.4 pages/s against 23.3, 198 s of CPU against 217, the
# run's own process 5.1 ms a page against 7.3 (bench/README.md, issue 38)
BATCH_SIZE = 100


def host_batches(candidates: list[Candidate], size: int = BATCH_SIZE) -> list[list[Candidate]]:
    """Batches of at most `size` URLs, small hosts sharing one. A big host is cut into pieces
    that are fetched one after another (see `after_same_host`), so a host is never fetched by
    two fetchers at once, and extraction can start on its first piece."""
    by_host: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_host.setdefault(host_of(c.url), []).append(c)
    batches: list[list[Candidate]] = []
    current: list[Candidate] = []
    for group in by_host.values():
        for start in range(0, len(group), size):
            piece = group[start : start + size]
            if current and len(current) + len(piece) > size:
                batches.append(current)
                current = []
            current.extend(piece)
    if current:
        batches.append(current)
    return batches


def after_same_host(batches: list[list[Candidate]]) -> list[list[int]]:
    """For each batch, the earlier batches it must wait for: the last one sharing a host."""
    last: dict[str, int] = {}
    waits = []
    for i, batch in enumerate(batches):
        hosts = {host_of(c.url) for c in batch}
        waits.append(sorted({last[h] for h in hosts if h in last}))
        last.update(dict.fromkeys(hosts, i))
    return waits


def batch_name(kind: str, index: int) -> str:
    """A package's name within its run: sortable, so the loader reads batches in order."""
    return f"{kind}{index:06d}"
