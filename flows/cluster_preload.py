"""Imported once by a local Dask cluster's fork server, after the staging pool's preload.

A Dask worker does more than a pool worker: it runs Prefect's task engine for each batch's
two tasks and the row gate, so it imports Prefect's client and Great Expectations on its
first batch: 3 to 5 s of CPU in each worker (a tenth of the workers' CPU at N = 960, py-spy;
bench/README.md, issue 38 item 5), and each worker held its own copy of them. Loaded here,
before the fork, the workers share them and start with them. None of these imports starts
a thread (a fork server must not hold one).
"""

import great_expectations  # the row gate's, run in the workers
import great_expectations.expectations  # noqa: F401
import prefect.task_engine  # noqa: F401  (each task run's engine)

import expectations.row_gate  # noqa: F401
import flows.staging.preload  # noqa: F401  (the extraction stack, warmed)
