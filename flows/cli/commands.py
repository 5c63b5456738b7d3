"""The `gazette` command line: demo, run, sql, validate, export.

Exit codes: 0 ok, 1 the run finished with critical data-quality failures (`gazette sql`: a
statement failed), 2 bad usage or config, 3 the warehouse busy, 4 a whole source failed,
5 the machine or a file in the way (Prefect's server did not start, a damaged warehouse, a
full disk).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.cli.tables import show_table
from flows.config import (
    ConfigError,
    QualitySettings,
    RunOptions,
    load_settings,
    resolve_home,
)
from flows.kept_server import (
    KEEP_ENV,
    Lease,
    keep_seconds,
    read_record,
    share,
    take_lease,
    write_record,
)
from flows.serving import (
    KeptPrefectServer,
    PrefectServerError,
    TemporaryPrefectServer,
    prefect_api_configured,
    running_serve_api,
    temporary_prefect_api,
)


def _flags_without_a_type() -> None:
    """typer 0.29's rich help gives every flag, --help included, a `<bool>` type column, as
    if it took a value; a flag takes none (click's plain help shows none either)."""
    from typer.core import TyperOption

    typed = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else typed(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_a_type()

app = typer.Typer(
    help="Gazette: turn the news web into a DuckDB star schema you can query, trust and chart.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help is plain text: "[quality]" is a TOML table, not markup
)
# piped output is not wrapped at 80 columns: a long error or path stays one line for grep
console = Console(soft_wrap=not sys.stdout.isatty())


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"gazette {version('gazette')}")
        raise typer.Exit()


@app.callback()
def _options(
    ctx: typer.Context,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Plain log lines, no progress bars (as when piped)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Progress bars for a person at a terminal; plain lines for logs, cron and --quiet."""
    from flows.cli import progress

    if quiet or not sys.stderr.isatty():
        progress.use(progress.Reporter())
        return
    reporter = progress.RichReporter(Console(stderr=True))
    progress.use(reporter)
    ctx.call_on_close(reporter.close)


err = Console(stderr=True, soft_wrap=not sys.stderr.isatty())

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder (default: $GAZETTE_HOME or ./data)."),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")]
WaitOption = Annotated[
    float,
    typer.Option("--wait", help="Seconds to wait for another run on the same home.", min=0),
]
BUSY_EXIT = 3
# the machine or a file is in the way, not the data nor the usage: Prefect's server did not
# start, the warehouse file is damaged, the disk is full (the message says which, and what to do)
ENVIRONMENT_EXIT = 5
STOP_MARGIN_S = 120  # a run's own record of its end lands within this of serve's stop

EXAMPLE_QUERIES = [
    (
        "Articles per outlet per day",
        "select * from v_daily_source_volume order by date, source_name",
    ),
    (
        "Stories carried by more than one outlet, and who published first",
        "select outlets, outlet_names, first_publisher, first_title from v_story where outlets > 1",
    ),
    (
        "How each source is doing: fetches, failures by outcome, last success",
        "select * from v_source_health",
    ),
    (
        "Who and where: the entities named in most articles",
        "select entity, entity_type, country_code, sum(articles) as articles, "
        "sum(mentions) as mentions from v_entity_daily group by all order by articles desc "
        "limit 10",
    ),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    from flows.cli import progress

    progress.settle()
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _prepare_prefect(verbose: bool) -> None:
    """Quiet, offline-friendly Prefect defaults; the user's own settings win.

    Quiet is the terminal's business only: a run's own log lines (its stages, each dropped
    article) still reach the API at INFO, so Prefect's UI shows them in the run's Logs tab
    (under `gazette serve` too, whose runs inherit this environment)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.5")
    for runs in ("FLOW_RUNS", "TASK_RUNS"):
        os.environ.setdefault(f"PREFECT_LOGGING_LOGGERS_PREFECT_{runs}_LEVEL", "INFO")
    # what the terminal shows: the level the user set for Prefect, else quiet or, -v, all
    console = "NOTSET" if verbose else os.environ["PREFECT_LOGGING_LEVEL"]
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", console)


def _run_flow(sources: Path, home: Path, verbose: bool, options: RunOptions):
    try:
        settings = load_settings(sources)  # reject a bad config before Prefect starts
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    from flows.cli import progress

    if isinstance(progress.reporter(), progress.RichReporter):
        # a person waits: a first line at once, as Prefect and the imports take seconds
        # before discovery reports (logs and pipes keep one line per event, errors one line)
        count = len(settings.sources)
        err.print(
            f"gazette {options.command}: {count} source{'' if count == 1 else 's'} from "
            f"{sources}, home {home}",
            highlight=False,
        )
    if options.dask_address and options.task_runner != "dask":
        raise _fail("--dask-address goes with --task-runner dask")
    if options.dask_address:
        _check_scheduler(options.dask_address)
    _prepare_prefect(verbose)

    def call():
        from flows.nightly import nightly_news

        return nightly_news(sources_file=sources, home=home, options=options)

    return _with_prefect(home, call)


def _with_prefect(home: Path, call):
    """Run a flow the one robust way, for every command that runs one: the Prefect server
    (serve's for this home, else a temporary one of gazette's) is spawned before the flow's
    imports, waited for as long as a loaded machine needs, and stopped after; one clear line
    and ENVIRONMENT_EXIT when it really cannot start. Prefect's own temporary server, started
    at the first flow call, gives up after 20 s: on a busy machine that lost ingest and
    reprocess runs with a traceback and exit 1."""
    from warehouse.db import check_readable

    check_readable(home)  # a damaged file: one line (main), before any server starts
    server, lease = _early_prefect_server(home)
    try:
        import flows.nightly  # noqa: F401  imports while the server starts

        _filter_terminal_logs(home)
        if server is not None:
            from expectations.runner import import_gx

            import_gx()  # every run's gates need it; the server is not up yet anyway
        with temporary_prefect_api(server):
            if isinstance(server, KeptPrefectServer):
                err.print(
                    f"Prefect: started this home's server at {server.url}; it stays up for the "
                    f"next runs until idle for {_duration(server.keep_s)} ({KEEP_ENV})",
                    highlight=False,
                )
            elif server is not None:  # up and answering: say where, as a serve's run does
                err.print(
                    f"Prefect: a temporary server for this run at {server.url}", highlight=False
                )
            return _busy_guard(call)
    except PrefectServerError as exc:
        raise _fail(str(exc), ENVIRONMENT_EXIT) from None
    finally:
        if server is not None and not isinstance(server, KeptPrefectServer):
            server.stop()
        if lease is not None:
            lease.release()


def _early_prefect_server(
    home: Path,
) -> tuple[TemporaryPrefectServer | None, Lease | None]:
    """A fresh process with no Prefect API configured has a server start first, so it comes
    up while the run imports (TemporaryPrefectServer says why), or finds the one this home
    keeps between runs (flows/kept_server.py): the 6 to 7 s a server takes to answer were
    most of a run's start-up. A process that has imported Prefect already (tests, a
    notebook) keeps the server Prefect manages. With a `gazette serve` up on this home, the
    run reports to its server and starts none. The lease, if any, is held until the run
    ends, so the kept server cannot stop under it."""
    if "prefect" in sys.modules or prefect_api_configured():
        return None, None
    if (url := running_serve_api(home)) is not None:
        os.environ["PREFECT_API_URL"] = url  # the pool's workers inherit it too
        err.print(f"Reporting to the Prefect server of `gazette serve`: {url}", highlight=False)
        return None, None
    lease = None
    if (keep_s := keep_seconds()) > 0:
        lease, url = take_lease(home)
        if url is not None:
            os.environ["PREFECT_API_URL"] = url
            err.print(f"Prefect: this home's server at {url}", highlight=False)
            return None, lease
        server: TemporaryPrefectServer = KeptPrefectServer(home, keep_s)
    else:
        server = TemporaryPrefectServer(home)
    try:
        server.spawn()
        if lease is not None:
            assert server.pid is not None
            write_record(home, server.url, server.pid)
    finally:
        if lease is not None:
            share(lease)
    # for the whole process and the pool's workers: a Prefect call after the run (a late
    # log record) must not start a temporary server of Prefect's own, which would outlive us
    os.environ["PREFECT_API_URL"] = server.url
    return server, lease


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _check_scheduler(address: str, timeout_s: float = 5.0) -> None:
    """A cluster that cannot be reached is bad config: say so before anything runs."""
    from distributed import Client

    try:
        Client(address, timeout=timeout_s).close()
    except (OSError, TimeoutError, ValueError) as exc:
        raise _fail(f"--dask-address: no Dask scheduler answers at {address}: {exc}") from None


def _busy_guard(call):
    """Another writer on the home, or the file held open: say so and exit 3, no traceback."""
    from warehouse.db import WarehouseLocked
    from warehouse.lock import WarehouseBusy

    try:
        return call()
    except (WarehouseBusy, WarehouseLocked) as exc:
        raise _fail(f"warehouse busy: {exc}", BUSY_EXIT) from None


def _parse_time(value: str, option: str, hint: str) -> datetime:
    """An ISO date or time from the command line; naive means UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: not a date: {value!r} ({hint})") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_since(value: str | None) -> datetime | None:
    return None if value is None else _parse_time(value, "--since", "use YYYY-MM-DD")


def _parse_until(value: str | None) -> datetime | None:
    """--until: a bare date means the whole of that day."""
    if value is None:
        return None
    parsed = _parse_time(value, "--until", "use YYYY-MM-DD")
    if len(value) == 10:
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    return parsed


SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only articles published (or changed) on or after DATE."),
]


@app.command()
def demo(home: HomeOption = None, wait: WaitOption = 300.0, verbose: VerboseOption = False) -> None:
    """Serve the bundled demo news site on 127.0.0.1 and run the nightly flow against it."""
    from flows.cli.demo_site import remember_ports, remembered_ports, serve_demo

    home = resolve_home(home)
    home.mkdir(parents=True, exist_ok=True)
    with serve_demo(preferred_ports=remembered_ports(home)) as site:
        remember_ports(home, site)
        sources = home / "demo-sources.toml"
        sources.write_text(site.sources_toml(), encoding="utf-8")
        console.print(
            "Serving the demo site: " + ", ".join(f"{k} at {v}" for k, v in site.bases.items()),
            highlight=False,
        )
        summary = _run_flow(sources, home, verbose, RunOptions(command="demo", wait_s=wait))
    _print_summary(summary, show_queries=True)
    raise typer.Exit(summary.exit_code)


@app.command()
def run(
    sources: Annotated[Path, typer.Option("--sources", help="sources.toml to read.")] = Path(
        "sources.toml"
    ),
    home: HomeOption = None,
    limit: Annotated[int | None, typer.Option(help="Fetch at most N articles.", min=1)] = None,
    since: SinceOption = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="With --since, a backfill window: published up to DATE."),
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Refetch known articles and feeds unconditionally.")
    ] = False,
    wait: WaitOption = 300.0,
    verbose: VerboseOption = False,
    task_runner: Annotated[
        str,
        typer.Option(
            "--task-runner",
            help="local (threads and a process pool on this machine) or dask (fetch and "
            "extraction batches on a Dask cluster; one loader here).",
        ),
    ] = "local",
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Scheduler of an existing Dask cluster (tcp://HOST:PORT); without it, "
            "--task-runner dask starts a local cluster, a worker per core.",
        ),
    ] = None,
) -> None:
    """One run of the nightly flow (what the schedule runs); --since/--until backfill a window."""
    start, end = _parse_since(since), _parse_until(until)
    if start and end and end < start:
        raise _fail("--until is before --since")
    if task_runner not in ("local", "dask"):
        raise _fail(f"--task-runner: unknown runner {task_runner!r}; use local or dask")
    options = RunOptions(
        limit=limit,
        since=start,
        until=end,
        refresh=refresh,
        wait_s=wait,
        task_runner=task_runner,
        dask_address=dask_address,
    )
    summary = _run_flow(sources, resolve_home(home), verbose, options)
    _print_summary(summary, show_queries=False)
    raise typer.Exit(summary.exit_code)


@app.command()
def serve(
    sources: Annotated[Path, typer.Option("--sources", help="sources.toml to read.")] = Path(
        "sources.toml"
    ),
    home: HomeOption = None,
    cron: Annotated[
        str | None,
        typer.Option(
            "--cron",
            help="When to run (cron; a 6th field is seconds). Default: [schedule] cron of the "
            "sources file, else 0 2 * * *.",
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            help="IANA time zone of the cron. Default: [schedule] timezone, else UTC.",
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Run the nightly flow on a schedule, until stopped (Ctrl-C or SIGTERM)."""
    from flows.config import check_timezone
    from flows.served import check_cron

    try:
        schedule = load_settings(sources).schedule
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    for flag, value, check in (
        ("--cron", cron, check_cron),
        ("--timezone", timezone, check_timezone),
    ):
        try:
            if value is not None:
                check(value)
        except ValueError as exc:
            raise _fail(f"{flag}: {exc}") from None
    cron, timezone = cron or schedule.cron, timezone or schedule.timezone
    _prepare_prefect(verbose)
    from flows.serving import (
        LocalPrefectServer,
        Terminated,
        load_prefect,
        serve_nightly,
        sigterm_as_interrupt,
        stopped_runs,
    )

    home = resolve_home(home)
    home.mkdir(parents=True, exist_ok=True)
    load_prefect()  # its logging set up, for the filters to wrap
    _filter_terminal_logs(home)
    if auth := os.environ.get("PREFECT_SERVER_API_AUTH_STRING"):
        # the server serve starts asks every client for it; serve and its runs are clients
        os.environ.setdefault("PREFECT_API_AUTH_STRING", auth)
    when = f"{cron} ({timezone})"
    started = datetime.now(UTC)
    signum = signal.SIGTERM  # Prefect's runner handles SIGTERM itself and returns
    try:
        with sigterm_as_interrupt():
            if os.environ.get("PREFECT_API_URL"):
                console.print(
                    f"Serving on {os.environ['PREFECT_API_URL']}: {when}", highlight=False
                )
                serve_nightly(sources, home, cron, timezone)
            else:
                with LocalPrefectServer(home) as server:
                    console.print(
                        f"No PREFECT_API_URL set: started a local Prefect server at "
                        f"{server.url} (UI at {server.url.removesuffix('/api')}, database "
                        f"under {server.home}); it stops when serve stops.",
                        highlight=False,
                    )
                    console.print(f"Schedule: {when}. Ctrl-C to stop.", highlight=False)
                    serve_nightly(sources, home, cron, timezone, api_url=server.url)
    except KeyboardInterrupt as stop:
        signum = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
    # the runs this stop cut short: abandoned from a moment before it (the runner stops its
    # run when the signal comes), not earlier deaths on this home
    cut = stopped_runs(home, max(started, datetime.now(UTC) - timedelta(seconds=STOP_MARGIN_S)))
    for run_id in cut:
        err.print(
            f"[bold red]stopped during run {run_id}[/]: the run was abandoned (ops.etl_run says "
            "so); nothing half-written is kept, and the next run loads what it staged",
            highlight=False,
        )
    console.print("Stopped.")
    # a stop that cut a run short is not a clean exit: 128 + the signal, as shells report it
    raise typer.Exit(128 + signum if cut else 0)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .html, .warc(.gz), .txt")],
    home: HomeOption = None,
    wait: WaitOption = 300.0,
    verbose: VerboseOption = False,
) -> None:
    """Load local HTML, WARC and plain-text articles, with no network."""
    from flows.acquire.ingest import IngestError, expand_paths

    try:
        if not expand_paths(paths):
            raise _fail("no .html, .warc, .warc.gz or .txt files in the given paths")
    except IngestError as exc:
        raise _fail(str(exc)) from None
    _prepare_prefect(verbose)
    home = resolve_home(home)

    def call():
        from flows.nightly import ingest_local

        return ingest_local(paths=paths, home=home, wait_s=wait)

    summary = _with_prefect(home, call)
    _print_summary(summary, show_queries=False)
    raise typer.Exit(summary.exit_code)


@app.command()
def reprocess(
    home: HomeOption = None,
    since: SinceOption = None,
    wait: WaitOption = 300.0,
    verbose: VerboseOption = False,
) -> None:
    """Re-extract and re-model from the raw archive, with no network."""
    home = resolve_home(home)
    if not (home / "gazette.duckdb").exists():
        raise _fail(f"no warehouse at {home}: nothing to reprocess")
    cutoff = _parse_since(since)
    _prepare_prefect(verbose)

    def call():
        from flows.nightly import reprocess_archive

        return reprocess_archive(home=home, since=cutoff, wait_s=wait)

    summary = _with_prefect(home, call)
    _print_summary(summary, show_queries=False)
    raise typer.Exit(summary.exit_code)


FORMATS = ("table", "line", "csv", "json", "markdown")
QUERY_FAILED_EXIT = 1  # a statement failed; 2 is no warehouse (or bad usage), 3 busy
CANCELLED_EXIT = 130  # Ctrl-C, as a shell reports it
PIPE_CLOSED_EXIT = 141  # the reader of the output went away (SIGPIPE), as other tools exit
MAX_ROWS = 40  # rows a person is shown (the first and last 20), as DuckDB's shell does
BATCH_ROWS = 2048  # rows fetched at once: what a streamed result holds in memory


@app.command()
def sql(
    query: Annotated[
        str | None, typer.Argument(help="A read-only SQL query; none opens a shell.")
    ] = None,
    home: HomeOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="table, line, csv, json or markdown.")
    ] = "table",
    max_rows: Annotated[
        int,
        typer.Option(
            "--max-rows",
            min=0,
            help="Rows a table or line result shows, the first and last half (0: all); "
            "csv, json and markdown always have them all.",
        ),
    ] = MAX_ROWS,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="Read the published BI snapshot (exports/gazette.duckdb, as of the last run "
            "that passed its checks) instead of the live warehouse; a run never waits for it.",
        ),
    ] = False,
) -> None:
    """Run ad-hoc read-only SQL against the warehouse (no query: an interactive shell).

    A query on the live warehouse is stopped when a run needs the file (exit 3)."""
    if fmt not in FORMATS:
        raise _fail(f"--format: unknown format {fmt!r}; use {', '.join(FORMATS)}")
    home = resolve_home(home)
    if query is None:
        from flows.cli.shell import SqlShell

        shell = SqlShell(
            home, fmt, lambda q, f, n: _query_and_print(home, q, f, snapshot, n), max_rows
        )
        code = shell.loop()
        if code:
            raise typer.Exit(code)
        return
    code = _query_and_print(home, query, fmt, snapshot, max_rows)
    if code:
        raise typer.Exit(code)


def _query_and_print(
    home: Path, query: str, fmt: str, snapshot: bool = False, max_rows: int = MAX_ROWS
) -> int:
    """One read-only query, its result printed as it streams in. The live file is opened for
    it alone and let go of as soon as a run wants the home: a long query must never make the
    nightly run give up. With `snapshot`, the published BI snapshot is read instead (no run
    ever waits for it). Ctrl-C cancels the query, not the shell."""
    import tempfile
    import threading

    import duckdb

    from warehouse.db import NotReadOnly, check_reader_statements, reader_sandbox

    con = _open_reader(home, snapshot)
    if isinstance(con, int):
        return con
    yielded, cancelled = threading.Event(), threading.Event()
    try:
        reader_sandbox(con, Path(tempfile.gettempdir()) / "gazette-sql-spill")
        check_reader_statements(con, query)
        with (
            _yielding_to_a_run(home, con, yielded, watch=not snapshot),
            _cancelling(con, cancelled),
        ):
            reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
            _print_result(reader, fmt, max_rows)
    except NotReadOnly as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return QUERY_FAILED_EXIT
    except BrokenPipeError:  # `gazette sql … | head -3`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return PIPE_CLOSED_EXIT
    except (duckdb.Error, KeyboardInterrupt) as exc:
        if cancelled.is_set() or isinstance(exc, KeyboardInterrupt):
            err.print("cancelled", highlight=False)
            return CANCELLED_EXIT
        return _query_failed(home, exc, yielded.is_set())
    finally:
        con.close()
    return 0


@contextlib.contextmanager
def _cancelling(con, cancelled):
    """Ctrl-C while the query runs interrupts DuckDB (a query ran on for minutes after it,
    with no prompt); in the main thread only, where signals arrive."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame) -> None:
        cancelled.set()
        con.interrupt()

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_result(reader, fmt: str, max_rows: int) -> None:
    from flows.cli import results

    out = sys.stdout
    if fmt == "csv":
        results.write_csv(reader, out)
    elif fmt == "json":
        results.write_json(reader, out)
    elif fmt == "markdown":
        results.write_markdown(reader.schema, reader, out)
    else:
        found = results.sample(reader.schema, reader, max_rows)
        lines = results.box(found, console.width) if fmt == "table" else results.records(found)
        out.write("\n".join(lines) + "\n")
    out.flush()


def _open_reader(home: Path, snapshot: bool):
    """A read-only connection to the warehouse (or its snapshot, exports/gazette.duckdb), or
    the exit code that says why there is none."""
    from warehouse.db import WarehouseLocked, connect
    from warehouse.lock import holder

    try:
        return connect(home / "exports" if snapshot else home, read_only=True)
    except FileNotFoundError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    except WarehouseLocked:
        err.print(
            f"[bold yellow]busy:[/] the warehouse is being written by {holder(home)}. "
            f"Try again when it finishes, or query the published snapshot: gazette sql "
            f"--snapshot.",
            highlight=False,
        )
        return BUSY_EXIT


@contextlib.contextmanager
def _yielding_to_a_run(home: Path, con, yielded, watch: bool):
    """While the query runs, a watcher interrupts it (and sets `yielded`) when a run waits."""
    import threading

    from warehouse.lock import run_waiting

    done = threading.Event()

    def yield_to_a_run() -> None:
        while not done.wait(0.5):
            if run_waiting(home):
                yielded.set()
                con.interrupt()
                return

    if watch:
        threading.Thread(target=yield_to_a_run, daemon=True).start()
    try:
        yield
    finally:
        done.set()


def _query_failed(home: Path, exc: Exception, yielded: bool) -> int:
    from warehouse.db import damage_of
    from warehouse.lock import holder

    if yielded:
        err.print(
            f"[bold yellow]busy:[/] stopped the query: {holder(home)} needs the "
            "warehouse. Run it again when that finishes, or now on the published "
            "snapshot: gazette sql --snapshot",
            highlight=False,
        )
        return BUSY_EXIT
    if damage_of(exc):
        raise exc  # not the statement's fault: main says what to do with the file
    err.print(f"[bold red]error:[/] query failed: {exc}", highlight=False)
    return QUERY_FAILED_EXIT


@app.command()
def schema() -> None:
    """Print the data dictionary (markdown): every table, view and column, from the DDL."""
    from warehouse.dictionary import data_dictionary

    sys.stdout.write(data_dictionary() + "\n")


@app.command()
def validate(
    home: HomeOption = None,
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources",
            help="sources.toml whose [quality] sets the source-health thresholds "
            "(default: ./sources.toml if present, else the file the home's last run read, "
            "else the defaults).",
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="List every check, not only those that did not pass.")
    ] = False,
) -> None:
    """Run every suite on the warehouse, rebuild Data Docs; exit 1 on a critical failure.

    Prints the verdict, one line for each check that warned or failed, and the counts."""
    from expectations.marts_gate import validate_marts

    home = resolve_home(home)
    quality = _quality_settings(home, sources)
    if not (home / "gazette.duckdb").exists():
        raise _fail(f"no warehouse at {home}: run `gazette run` or `gazette demo` first")
    now = datetime.now(UTC)
    run_id = f"validate-{now:%Y%m%dT%H%M%SZ}"
    report = _busy_guard(
        lambda: validate_marts(
            home,
            run_id,
            now,
            quality.freshness_hours,
            quality.volume_sigma,
            quality.trailing_days,
        )
    )
    if every:
        show_table(
            console,
            f"Data quality: {report.verdict.upper()}",
            ("suite", "expectation", "column", "severity", "result", "unexpected"),
            [
                (
                    r["suite"],
                    r["expectation"],
                    r["column_name"] or "",
                    r["severity"],
                    "[green]pass[/]" if r["success"] else "[red]FAIL[/]",
                    str(r["unexpected_count"] or 0),
                )
                for r in report.results
            ],
            right=("unexpected",),
        )
    else:
        _print_checks(report)
    console.print(f"Data Docs: {report.docs_index}", highlight=False)
    raise typer.Exit(1 if report.verdict == "fail" else 0)


def _print_checks(report) -> None:
    """The verdict, a line for each check that did not pass, then the counts."""
    from expectations.runner import check_line

    colour = {"pass": "green", "warn": "yellow", "fail": "red"}[report.verdict]
    console.print(f"Data quality: [bold {colour}]{report.verdict.upper()}[/]")
    for result in report.critical_failures:
        console.print(f"  [red]FAIL[/] {check_line(result)}", highlight=False)
    for result in report.warnings:
        console.print(f"  [yellow]warn[/] {check_line(result)}", highlight=False)
    passed = sum(1 for r in report.results if r["success"])
    console.print(
        f"{len(report.results)} checks: {passed} passed, {len(report.warnings)} warned, "
        f"{len(report.critical_failures)} failed (--all lists every check)",
        highlight=False,
    )


def _quality_settings(home: Path, sources: Path | None) -> QualitySettings:
    from flows.config import quality_of

    try:
        return quality_of(home, sources)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _open_read_only(home: Path):
    """The warehouse for reading, or a clear exit: 2 when there is none, 3 while a run writes."""
    from warehouse.db import WarehouseLocked, connect

    if not (home / "gazette.duckdb").exists():
        raise _fail(f"no warehouse at {home}: run `gazette run` or `gazette demo` first")
    try:
        return connect(home, read_only=True)
    except WarehouseLocked:
        from warehouse.lock import holder

        raise _fail(f"warehouse busy: being written by {holder(home)}", BUSY_EXIT) from None


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


SOURCE_COLUMNS = (
    "source",
    "articles",
    "newest article",
    "hours since",
    "fetch ok / all",
    "failed by outcome",
    "quarantined",
    "last success",
)


@app.command()
def status(
    home: HomeOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Last runs, per-source freshness and health, quarantine, warehouse size."""
    from warehouse.status import collect_status

    if fmt not in ("table", "json"):
        raise _fail(f"--format: {fmt!r}: use table or json")
    home = resolve_home(home)
    con = _open_read_only(home)
    try:
        info = collect_status(con, home)
    finally:
        con.close()
    info["prefect_server"] = read_record(home)  # the server the home keeps, if it is up
    if fmt == "json":
        sys.stdout.write(json.dumps(info, default=str, indent=1) + "\n")
        return
    show_table(
        console,
        "Last runs",
        ("run", "command", "started (UTC)", "took", "status", "quality", "new", "failures"),
        [
            (
                r["run_id"],
                r["command"],
                (r["started_at"] or "")[:19].replace("T", " "),
                f"{r['duration_s']} s",
                r["status"],
                (r["dq_verdict"] or "").upper(),
                str(r["articles_new"] or 0),
                str(r["failures"] or 0),
            )
            for r in info["runs"]
        ],
        right=("took", "new", "failures"),
    )
    show_table(
        console,
        "Sources",
        SOURCE_COLUMNS,
        [
            (
                src["source_name"],
                str(src["articles"]),
                (src["newest_published_at"] or "")[:16].replace("T", " "),
                "" if src["hours_since_newest"] is None else f"{src['hours_since_newest']:.0f}",
                f"{src['fetched_ok']} / {src['article_fetches']}",
                src["failed_by_outcome"] or "",
                str(src["quarantined"]),
                (src["last_success"] or "")[:16].replace("T", " "),
            )
            for src in info["sources"]
        ],
        right=("articles", "hours since", "quarantined"),
    )
    console.print(
        f"{info['articles']} current articles; {info['quarantined']} in ops.quarantine; "
        f"warehouse {_bytes(info['warehouse_bytes'])}, raw archive "
        f"{_bytes(info['raw_archive_bytes'])}",
        highlight=False,
    )
    if info["latest_report"]:
        console.print(f"Latest report: {info['latest_report']}", highlight=False)
    if kept := info["prefect_server"]:
        console.print(
            f"Prefect server kept for this home: {kept['url']} (process {kept['pid']}; it stops "
            f"once idle for {_duration(keep_seconds())}, {KEEP_ENV})",
            highlight=False,
        )


@app.command()
def report(
    home: HomeOption = None,
    run_id: Annotated[str | None, typer.Option("--run", help="Run id (default: the last).")] = None,
) -> None:
    """Write the HTML run report (charts included) for a run, and print its path."""
    from warehouse.db import WarehouseLocked, connect, scalar
    from warehouse.report import write_report

    home = resolve_home(home)
    if not (home / "gazette.duckdb").exists():
        raise _fail(f"no warehouse at {home}: run `gazette run` or `gazette demo` first")
    try:
        con = connect(home)
    except WarehouseLocked:
        raise _fail(
            "warehouse busy: a run is writing; its report comes with it", BUSY_EXIT
        ) from None
    try:
        run_id = run_id or scalar(
            con, "select run_id from ops.etl_run order by started_at desc limit 1"
        )
        if not scalar(con, "select count(*) from ops.etl_run where run_id = ?", [run_id]):
            raise _fail(f"--run: no run {run_id!r} in ops.etl_run")
        path = write_report(con, home, run_id)
    finally:
        con.close()
    console.print(str(path), highlight=False)


@app.command()
def export(
    home: HomeOption = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    changes_since: Annotated[
        str | None,
        typer.Option(
            "--changes-since",
            help="Only what changed after WATERMARK (ISO time, e.g. the `watermark` of the "
            "last manifest; 1970-01-01 for everything): changed rows and tombstones.",
        ),
    ] = None,
) -> None:
    """Write every mart table to Parquet or CSV for BI tools, or a delivery of what changed."""
    from warehouse.db import connect, export_memory
    from warehouse.export import ExportTargetError, check_target, export_marts

    if fmt not in ("parquet", "csv"):
        raise _fail(f"--format: unknown format {fmt!r}; use parquet or csv")
    home = resolve_home(home)
    if out is not None:
        try:  # before anything opens: a wrong --out is bad usage, whatever the warehouse
            check_target(out, (home,))
        except ExportTargetError as exc:
            raise _fail(str(exc)) from None
    if changes_since is not None:
        since = _parse_time(
            changes_since,
            "--changes-since",
            "use the manifest's watermark, e.g. 2026-11-26T02:00:00+00:00",
        )
        _export_changes(home, fmt, out, since)
        return
    try:
        con = connect(home, read_only=True, memory=export_memory())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from None
    try:
        path = export_marts(con, out or home / "exports" / fmt, fmt, protected=(home,))
    except ExportTargetError as exc:
        raise _fail(str(exc)) from None
    finally:
        con.close()
    console.print(f"Exported to {path}")


def _export_changes(home: Path, fmt: str, out: Path | None, since: datetime) -> None:
    """A writer's connection: changes not yet on record (a warehouse older than change
    tracking) are recorded first, so the delivery is complete."""
    from warehouse.db import connect, db_path, run
    from warehouse.export import ExportTargetError
    from warehouse.sync import change_stamp, export_changes, record_changes

    if not db_path(home).exists():
        raise _fail(f"no warehouse at {db_path(home)}: run `gazette run` or `gazette demo`")
    con = _busy_guard(lambda: connect(home))
    try:
        run(con, "begin transaction")
        record_changes(con, None, change_stamp(con))
        run(con, "commit")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = out or home / "exports" / "changes" / stamp
        path = export_changes(con, target, since, fmt, protected=(home,))
    except ExportTargetError as exc:
        raise _fail(str(exc)) from None
    finally:
        con.close()
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(t["rows"] for t in manifest["tables"])
    deleted = sum(t["deleted"] for t in manifest["tables"])
    console.print(
        f"Delivered {rows} changed rows and {deleted} deletions since {manifest['since']} "
        f"to {path}\nNext: --changes-since {manifest['watermark']}",
        highlight=False,
    )


def _print_summary(summary, show_queries: bool) -> None:
    from flows.cli import progress

    progress.settle()  # bars that redraw would cut the summary into fragments
    from flows.summary import written_label

    written = written_label(summary)
    show_table(
        console,
        f"Run {summary.run_id}",
        ("source", "articles in warehouse", written),
        [(name, str(total), str(fresh)) for name, total, fresh in summary.per_source],
        right=("articles in warehouse", written),
    )
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped.items()))
    console.print(
        f"Discovered {summary.urls_discovered} article URLs; "
        f"extracted {summary.articles_extracted} articles"
        + (f"; skipped {skipped}." if skipped else ".")
    )
    if summary.failures:
        show_table(
            console,
            "Failures by reason",
            ("reason", "count"),
            [(reason, str(count)) for reason, count in sorted(summary.failures.items())],
            right=("count",),
        )
    for name, why in summary.failed_sources.items():
        err.print(f"[bold red]source failed:[/] {name}: {why}", highlight=False)
    if summary.quarantined:
        console.print(
            f"{summary.quarantined} article(s) held in ops.quarantine by the quality gate."
        )
    colour = {"pass": "green", "warn": "yellow", "fail": "red"}.get(summary.dq_verdict, "white")
    console.print(f"Data quality: [bold {colour}]{summary.dq_verdict.upper()}[/]")
    for failed in summary.dq_failed:
        console.print(f"  critical failure: {failed}", highlight=False)
    for warned in summary.dq_warned:
        console.print(f"  warning: {warned}", highlight=False)
    _print_outputs(summary)
    if show_queries:
        console.print("\nTry:")
        for title, query in EXAMPLE_QUERIES:
            console.print(f"  # {title}", style="dim")
            # plain print: one line each, so they can be copied and pasted
            print(f'  .venv/bin/gazette sql --home {summary.home} "{query}"')


def _print_outputs(summary) -> None:
    """Where the run's results are, and what a reprocess changed."""
    console.print(f"Warehouse:  {summary.home / 'gazette.duckdb'}")
    console.print(f"Exports:    {summary.exports}")
    if summary.snapshot is not None:
        console.print(f"BI snapshot: {summary.snapshot} (open it read-only while runs write)")
    console.print(f"Data Docs:  {summary.docs_index}")
    if summary.report is not None:
        console.print(f"Report:     {summary.report}")
    if summary.changes is not None:
        moved = ", ".join(f"{label} {n}" for label, n in summary.changes.changed.items())
        console.print(
            f"Reprocess compared {summary.changes.compared} articles; changed: {moved}.",
            highlight=False,
        )
        for url, fields in summary.changes.examples[:10]:
            console.print(f"  {url}: {', '.join(fields)}", highlight=False)


# glibc's malloc, tuned for processes that parse big pages one after another (mallopt's
# parameter number, the environment variable that also reaches child processes, the value)
MALLOC_SETTINGS = (
    (-8, "MALLOC_ARENA_MAX", "2"),
    # fixed thresholds: glibc raises its mmap threshold to the biggest block freed (up to
    # 32 MB) and keeps twice that free at the heap's top, so one big page's parse trees stay
    # resident for the rest of the batch; fixed, a block over 256 KB is mapped and returned
    (-3, "MALLOC_MMAP_THRESHOLD_", "262144"),
    (-1, "MALLOC_TRIM_THRESHOLD_", "524288"),
)


def _tune_malloc() -> None:
    """glibc gives each thread that allocates its own heap arena, up to eight a core, and the
    run process has many threads (HTTP, Prefect's log and event workers, the sealer, the page
    watch): each arena keeps freed fragments of its own. Two arenas and fixed thresholds cut
    the tree's peak by some 30 to 50 MB at N = 1,200 (bench/README.md). Set here for this
    process and, through the environment, for the Prefect server and the staging pool gazette
    starts; a value the user set wins."""
    for parameter, variable, value in MALLOC_SETTINGS:
        os.environ.setdefault(variable, value)
        with contextlib.suppress(OSError, AttributeError, ValueError):  # not glibc; not a number
            ctypes.CDLL("libc.so.6").mallopt(parameter, int(os.environ[variable]))
    # Arrow's own allocator (mimalloc) keeps what a stream of batches frees: the partitioned
    # export of 50,000 articles held 500 MB with it, 300 MB with glibc's, set as above
    # (bench/README.md); read by pyarrow when it loads, which is later
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def _home_from_argv(argv: list[str]) -> Path:
    """The home a command was given (--home DIR, --home=DIR), as resolve_home reads it."""
    home = None
    for i, arg in enumerate(argv):
        if arg == "--home" and i + 1 < len(argv):
            home = Path(argv[i + 1])
        elif arg.startswith("--home="):
            home = Path(arg.split("=", 1)[1])
    return resolve_home(home)


def main() -> None:
    _tune_malloc()
    try:
        app()
    except Exception as exc:
        # what the machine did (a damaged warehouse file, a full disk), wherever it surfaced:
        # one line with what to do, never a traceback; anything else is a bug and shows one
        from warehouse.environment import environment_problem

        problem = environment_problem(exc, _home_from_argv(sys.argv[1:]))
        if problem is None:
            raise
        err.print(f"[bold red]error:[/] {problem}", highlight=False)
        # Prefect's exit hooks flush its log and event queues to a server that is stopped
        # now, each with a line of its own: the run's state is recorded, that line is enough
        logging.disable(logging.CRITICAL)
        raise SystemExit(ENVIRONMENT_EXIT) from None


class _NoEnvironmentTracebacks(logging.Filter):
    """Keeps a full disk or a damaged warehouse off the terminal's log lines (Prefect's task
    and flow failures, GX's Data Docs errors, each with its traceback): main says it once,
    with what to do. The API's handler still gets every record, for the UI."""

    def __init__(self, home: Path) -> None:
        # imported here, once: an import inside filter() runs under the handler's lock
        from warehouse.environment import environment_problem, environment_signs

        super().__init__()
        self.home = home
        self._problem, self._signs = environment_problem, environment_signs

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            return self._problem(record.exc_info[1], self.home) is None
        return not self._signs(record.getMessage())


class PrefectQuiet(logging.Filter):
    """Keeps Prefect's own machinery off the terminal unless asked for (`-v`): its events and
    API workers' warnings, and "Crash detected!" for a run that was stopped (Ctrl-C, serve's
    SIGTERM), which gazette reports itself as abandoned. The run's own lines (its logger,
    `prefect.flow_runs`) still show, and the API's handler gets every record, for the UI."""

    RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("prefect") and not record.name.startswith(self.RUN_LOGGERS):
            return False
        message = record.getMessage()
        if not message.startswith("Crash detected!"):
            return True
        stopped = record.exc_info is not None and isinstance(record.exc_info[1], BaseException)
        signal_words = ("TerminationSignal", "SIGTERM", "KeyboardInterrupt", "interrupt signal")
        return not (
            any(word in message for word in signal_words)
            or (stopped and not isinstance(record.exc_info[1], Exception))
        )


def _filter_terminal_logs(home: Path) -> None:
    """Add the filters to every handler that writes to the terminal (after Prefect set its
    logging up); Prefect's own lines only when its logging level asks for INFO or more."""
    quiet = os.environ.get("PREFECT_LOGGING_LEVEL", "WARNING").upper() not in ("DEBUG", "INFO")
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            stream = getattr(handler, "stream", None)
            terminal = stream in (sys.stderr, sys.stdout) or type(handler).__name__.endswith(
                "ConsoleHandler"
            )
            if terminal and not any(
                isinstance(f, _NoEnvironmentTracebacks) for f in handler.filters
            ):
                handler.addFilter(_NoEnvironmentTracebacks(home))
                if quiet:
                    handler.addFilter(PrefectQuiet())


if __name__ == "__main__":
    main()
