"""Imported once by the staging pool's fork server, before it forks any worker.

It loads what every worker needs and only reads: the extraction stack, py3langid's model and
the gazetteer. Workers forked from it share those pages with it and with each other instead of
each loading its own copy (about 120 MB a worker), and start in milliseconds, not seconds.
"""

import gc
import os

# one BLAS thread per worker (the pool already has one worker per core), set before numpy
# loads it, so no BLAS thread exists when the server forks
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from flows.extracting import extract_one  # noqa: F401  (what build_package runs per page)
from flows.staging import build_package  # noqa: F401  (the workers' entry point)
from transforms.extract import language_model
from transforms.gazetteer import gazetteer

language_model()
gazetteer()
# objects made so far live for the process: the collector must not visit (so write) them
gc.freeze()
