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

from flows.staging.build import build_package  # noqa: F401  (the workers' entry point)
from flows.staging.extract import extract_one  # what build_package runs per page
from transforms.extract import language_model
from transforms.gazetteer import gazetteer


def warm() -> None:
    """Pay here, once, what the first page of each kind would pay inside its time limit:
    htmldate's dateparser builds its tables for some 200 locales on the first date it cannot
    read otherwise (1.7 to 2.6 s of CPU), and the extraction and enrichment stacks fill
    their caches on the first page. Under load that first page was quarantined as an
    extraction timeout: which pages loaded depended on the machine's load."""
    from datetime import UTC, datetime

    from htmldate.extractors import get_external_parser, month_words

    parser = get_external_parser()
    month_words()
    for text in ("3 Sept 2024", "12 janvier 2024", "Xyzzy plugh 12 2024"):  # the last: no
        parser.get_date_data(text)  # locale knows it, so every locale's tables are built
    page = (
        "<html lang='en'><head><title>Council votes on ferry timetable</title>"
        "<meta property='article:published_time' content='2026-11-20T08:00:00+01:00'>"
        "</head><body><article><h1>Council votes on ferry timetable</h1>"
        "<p class='byline'>By Jane Smith, Reuters. Updated 21 Nov 2026</p>"
        + "<p>The harbour council in Oslo voted on Tuesday to extend the ferry timetable "
        '"into the winter months," said Mayor John Doe, after 2,000 residents signed.</p>'
        * 6
        + "</article></body></html>"
    )
    extract_one(
        (
            page.encode(),
            "https://example.com/2026/11/20/ferry.html",
            datetime(2026, 11, 21, tzinfo=UTC),
            None,
            None,
            "text/html",
            "rules",
            {},
            "allowed",
        )
    )


language_model()
gazetteer()
warm()
# objects made so far live for the process: the collector must not visit (so write) them
gc.freeze()
