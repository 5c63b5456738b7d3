"""The worker runtime: a fetched batch becomes a staged package on disk.

`build` is what one worker does with a batch (extract, enrich, model, write), `extract` the
per-page function inside it, `page_limit` the bounds on one page's time and memory, `preload`
what the fork server loads once for every worker, and `pool` the process pool the run's
process feeds. Nothing here imports Prefect: the tasks in flows/tasks.py call in.
"""
