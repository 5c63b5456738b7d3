"""The SimHash fingerprint behind story clusters: trafilatura's, bit for bit, with numpy.

trafilatura's `content_fingerprint` adds one 64-int Python list per token: 2.2 ms a page,
more than any other step of ours but entities and tone (bench/page_cpu.py). This takes the
same tokens (its `sample_tokens`), the same blake2b hashes and the same sign rule, so the
fingerprints already in a warehouse stay comparable with new ones.
"""

from __future__ import annotations

from collections import Counter
from hashlib import blake2b

import numpy as np
from trafilatura.deduplication import sample_tokens

BITS = 64
_SHIFTS = np.arange(BITS, dtype=np.uint64)


def content_fingerprint(text: str) -> str:
    """The 64-bit Charikar SimHash of the text's tokens, in hex: bit i is set when at least
    half of the tokens' hashes (counted with repeats) have it set."""
    counts = Counter(sample_tokens(text, BITS))
    if not counts:
        return f"{(1 << BITS) - 1:x}"  # no token: every bit's sum is 0, and 0 counts as set
    digests = b"".join(blake2b(token.encode(), digest_size=8).digest() for token in counts)
    hashes = np.frombuffer(digests, dtype=">u8").astype(np.uint64)
    weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    bits = ((hashes[:, None] >> _SHIFTS) & np.uint64(1)).astype(np.int64)
    ones = weights @ bits
    fingerprint = 0
    for i in np.flatnonzero(2 * ones >= weights.sum()):
        fingerprint |= 1 << int(i)
    return f"{fingerprint:x}"
