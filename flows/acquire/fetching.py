"""Polite, safe HTTP: robots.txt, per-host delay, retries, conditional GET, size caps, SSRF guard.

Plain code, no Prefect: the flow hands in a policy and gets back one `FetchResult` per attempt,
refusals included, so every decision can be recorded in fact_fetch. Responses are handed to an
archive hook (the WARC writer) before anyone parses them.
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import math
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from protego import Protego

from transforms.page_kind import challenge_marker
from transforms.records import ArchiveRef, Candidate, FetchResult, Validators
from transforms.urls import host_of, origin_of, without_credentials
from transforms.vocabulary import (
    OUTCOME_BOT_CHALLENGE,
    OUTCOME_CONNECTION_ERROR,
    OUTCOME_EMPTY,
    OUTCOME_HTTP_ERROR,
    OUTCOME_INVALID_URL,
    OUTCOME_NOT_HTML,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    OUTCOME_PRIVATE_ADDRESS,
    OUTCOME_REDIRECT_LOOP,
    OUTCOME_ROBOTS_DISALLOWED,
    OUTCOME_TIMEOUT,
    OUTCOME_TOO_LARGE,
    ROBOTS_ALLOWED,
    ROBOTS_NO_RULES,
    ROBOTS_NOT_CHECKED,
    FetchOutcome,
)
from warehouse.faults import checkpoint

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_CRAWL_DELAY_S = 60.0
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
RETRY_STATUSES = {429, 500, 502, 503, 504}
# set when the run is stopped (SIGTERM, Ctrl-C): fetch threads end at their next request or
# politeness pause instead of working through their batch (50 pages 5 s apart: 4 minutes,
# past a service manager's patience); cleared as a run starts
STOPPING = threading.Event()


class RunStopping(RuntimeError):
    """Raised in a fetch thread once the run is stopping: nothing more is requested."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    user_agent: str
    per_host_delay_s: float = 1.0
    timeout_s: float = 20.0
    connect_timeout_s: float = 10.0
    max_bytes: int = 10_000_000
    respect_robots: bool = True
    # False: public addresses only. True: anything. A tuple: these hosts, IPs or CIDR networks
    # may be private (e.g. ("127.0.0.1",) for a local test site), every other one may not.
    allow_private_hosts: bool | tuple[str, ...] = False
    max_redirects: int = 5
    max_hosts_in_parallel: int = 8
    max_retries: int = 2
    backoff_s: float = 1.0
    max_retry_wait_s: float = 60.0
    max_urls_per_sitemap: int = 50_000  # the sitemaps protocol's own limit per file
    max_urls_per_source: int = 50_000  # per run, when the source sets no max_articles
    # (origin, user, password): what the operator wrote into a source's own URL, sent to that
    # origin as HTTP Basic auth and nowhere else; never in a stored URL (config strips it)
    credentials: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)

    def basic_auth(self, url: str) -> str | None:
        """The Authorization header for a request to `url`, when the operator configured
        credentials for its exact origin (scheme, host and port)."""
        if not self.credentials:
            return None
        origin = origin_of(url)
        for configured, user, password in self.credentials:
            if configured == origin:
                token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
                return f"Basic {token}"
        return None


class Refused(Exception):
    """A request we decided not to make or not to finish; `outcome` names why."""

    def __init__(self, outcome: FetchOutcome, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status


def _non_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything not globally routable (private, loopback, link-local, CGNAT 100.64/10, ...),
    looking through IPv4-mapped and 6to4 IPv6 addresses."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None and _non_public(inner):
            return True
    return not ip.is_global or ip.is_multicast


def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise Refused(OUTCOME_CONNECTION_ERROR, f"cannot resolve {host}: {exc}") from exc
    except (UnicodeError, ValueError) as exc:
        raise Refused(OUTCOME_INVALID_URL, f"not a valid host name {host!r}: {exc}") from exc
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_public_address(host: str) -> tuple[bool, str]:
    """Whether every address `host` resolves to is public; the reason when not."""
    for ip in resolve(host):
        if _non_public(ip):
            return False, f"{host} resolves to non-public address {ip}"
    return True, ""


def _allowed_private(host: str, allowed: tuple[str, ...]) -> bool:
    """A host on the allow-list by name, by address or inside an allowed network."""
    if host in allowed:
        return True
    networks = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    try:
        addresses = resolve(host)
    except Refused:
        return False
    return all(any(ip in net for net in networks) for ip in addresses if _non_public(ip))


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every fetcher's connections: httpx makes a new
    one per client, reading the CA bundle each time (1.3 ms of the run's CPU a page, with one
    fetcher per batch of 100)."""
    return httpx.create_ssl_context()


class Fetcher:
    """One fetcher per task: it remembers robots.txt and last-request times per host."""

    def __init__(
        self,
        policy: FetchPolicy,
        client: httpx.Client | None = None,
        archive: Callable[[FetchResult], ArchiveRef | None] | None = None,
        robots: dict[str, str | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        if client is None:
            transport = httpx.HTTPTransport(verify=_tls_context())
            pool = getattr(transport, "_pool", None)
            if pool is not None and hasattr(pool, "_network_backend"):
                # connect to the address we checked, not to a second DNS answer (rebinding)
                pool._network_backend = _PinnedBackend(policy)
            client = httpx.Client(
                headers={"User-Agent": policy.user_agent},
                timeout=httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s),
                follow_redirects=False,
                transport=transport,
            )
        self.client = client
        self._archive = archive
        self._sleep = sleep
        self._robots: dict[str, Protego | None] = {}
        self._robots_text: dict[str, str | None] = {}
        self._robots_failure: dict[str, Refused] = {}
        for host, text in (robots or {}).items():
            self._remember_robots(host, text)
        self._host_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._robots_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._last_request: dict[str, float] = {}
        self._guard = threading.Lock()
        self.log: list[FetchResult] = []

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public --------------------------------------------------------------------------
    def get(
        self,
        url: str,
        purpose: str,
        source_name: str | None = None,
        candidate: Candidate | None = None,
        validators: Validators | None = None,
    ) -> FetchResult:
        """A polite fetch of `url`, retried on timeouts, 429 and 5xx; never raises.

        Every attempt is logged; the last one is returned.
        """
        url = without_credentials(url)  # never sent, never stored: see carries_credentials
        attempt = 1
        while True:
            if STOPPING.is_set():
                raise RunStopping(f"the run is stopping: {url} not requested")
            result = self._attempt(url, purpose, source_name, candidate, validators, attempt)
            wait = self._retry_wait(result, attempt)
            if wait is None:
                return result
            self._sleep(wait)
            attempt += 1

    def fetch_many(
        self,
        candidates: Iterable[Candidate],
        purpose: str = "article",
        validators: dict[str, Validators] | None = None,
        on_each: Callable[[FetchResult], None] | None = None,
    ) -> list[FetchResult]:
        """Concurrent across hosts, one at a time within a host; final results in input order.
        `on_each` hears of each URL as it is done (progress), from the fetch threads."""
        items = list(candidates)
        known = validators or {}
        by_host: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(items):
            by_host[host_of(c.url)].append(i)
        results: list[FetchResult | None] = [None] * len(items)

        def work(indexes: list[int]) -> None:
            for i in indexes:
                c = items[i]
                results[i] = result = self.get(c.url, purpose, c.source_name, c, known.get(c.url))
                if on_each is not None:
                    on_each(result)

        workers = max(1, min(self.policy.max_hosts_in_parallel, len(by_host)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            list(pool.map(work, by_host.values()))
        return [r for r in results if r is not None]

    def log_of(self, source_name: str) -> list[FetchResult]:
        """The attempts made for one source (a fetcher shared by several sources)."""
        with self._guard:
            return [r for r in self.log if r.source_name == source_name]

    def robots_rules(self) -> dict[str, str | None]:
        """host -> robots.txt in force (None: no rules), for a later stage's fetcher."""
        with self._guard:
            return dict(self._robots_text)

    # -- one attempt ---------------------------------------------------------------------
    def _attempt(
        self,
        url: str,
        purpose: str,
        source_name: str | None,
        candidate: Candidate | None,
        validators: Validators | None,
        attempt: int,
    ) -> FetchResult:
        sent: list[datetime] = []  # when the first request actually left, after any wait
        clock = time.monotonic()
        started = datetime.now(UTC)
        response: _Response | None = None
        outcome, error, status = OUTCOME_OK, None, None
        decision = ROBOTS_NOT_CHECKED
        try:
            if self.policy.respect_robots and purpose != "robots":
                decision = self._check_robots(url, source_name)
            response = self._follow(url, sent, validators, purpose, source_name)
            status = response.status
            _accept(response, purpose)
            if status == 304:
                outcome = OUTCOME_NOT_MODIFIED
        except Exception as exc:  # one odd URL or server must not end the run
            outcome, error, status = _failure(exc, status)
        result = FetchResult(
            url=url,
            purpose=purpose,
            source_name=source_name,
            final_url=response.url if response else url,
            host=host_of(url),
            status=status,
            content_type=response.content_type if response else None,
            outcome=outcome,
            error=error,
            bytes=len(response.body) if response else 0,
            elapsed_ms=int((time.monotonic() - clock) * 1000),
            fetched_at=sent[0] if sent else started,
            body=response.body if response else b"",
            headers=response.headers if response else {},
            candidate=candidate,
            attempt=attempt,
            truncated=bool(response and response.truncated),
            robots_decision=decision if purpose != "robots" else None,
        )
        if self._archive is not None and response is not None and response.status:
            result.archive = self._archive(result)  # bytes kept before anyone parses them
        if purpose == "article" and result.archive is not None:
            checkpoint("fetch")  # crash drill: some pages archived, the run not loaded
        if purpose == "robots" and response is not None:
            result.robots_text = response.body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace")
        if result.outcome != OUTCOME_OK:
            result = replace(result, body=b"")  # archived; nothing downstream parses it
        with self._guard:
            self.log.append(result)
        return result

    def _retry_wait(self, result: FetchResult, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None: only timeouts, 429 and 5xx are retried."""
        transient = result.outcome == OUTCOME_TIMEOUT or (
            result.outcome == OUTCOME_HTTP_ERROR and result.status in RETRY_STATUSES
        )
        if not transient or attempt > self.policy.max_retries:
            return None
        wait = self.policy.backoff_s * 2 ** (attempt - 1)
        asked = retry_after_seconds(result.headers.get("retry-after"), datetime.now(UTC))
        if asked is not None:
            if asked > self.policy.max_retry_wait_s:
                return None  # the server wants more patience than a nightly run has
            wait = max(wait, asked)
        return min(wait, self.policy.max_retry_wait_s)

    # -- internals -----------------------------------------------------------------------
    def _remember_robots(self, host: str, text: str | None) -> None:
        """Protego: longest match, * and $ wildcards, decimal Crawl-delay (RFC 9309)."""
        self._robots[host] = Protego.parse(text) if text is not None else None
        self._robots_text[host] = text

    def _check_address(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            _ = parts.port  # out-of-range ports raise here
        except ValueError as exc:
            raise Refused(OUTCOME_INVALID_URL, f"not a valid URL: {url} ({exc})") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(OUTCOME_INVALID_URL, f"not an http(s) URL: {url}")
        allowed = self.policy.allow_private_hosts
        if allowed is True:
            return
        public, why = is_public_address(parts.hostname)
        if public:
            return
        if isinstance(allowed, tuple) and _allowed_private(parts.hostname, allowed):
            return
        raise Refused(
            OUTCOME_PRIVATE_ADDRESS, f"refused: {why} (not allowed by allow_private_hosts)"
        )

    def _wait_turn(self, host: str, delay: float) -> None:
        """Sleep until `delay` seconds have passed since the last request to `host`."""
        last = self._last_request.get(host)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0 and STOPPING.wait(pause):
                raise RunStopping(f"the run is stopping: no more requests to {host}")
        self._last_request[host] = time.monotonic()

    def _follow(
        self,
        url: str,
        sent: list[datetime],
        validators: Validators | None,
        purpose: str = "article",
        source_name: str | None = None,
    ) -> _Response:
        seen = {url}
        current = url
        for hop in range(self.policy.max_redirects + 1):
            if hop and self.policy.respect_robots and purpose != "robots":
                self._check_robots(current, source_name)  # a redirect may lead where we may not go
            self._check_address(current)
            host = host_of(current)
            with self._host_locks[host]:
                self._wait_turn(host, self._delay_for(host))
                if not sent:
                    sent.append(datetime.now(UTC))
                target_validators = validators if current == url else None
                # robots.txt is read to its own cap whatever max_bytes is, and its first
                # 500 KiB parsed however long it is (RFC 9309)
                robots = purpose == "robots"
                limit = ROBOTS_MAX_BYTES if robots else self.policy.max_bytes
                response = self._bounded(
                    partial(self._request, current, target_validators, limit, robots)
                )
            location = response.headers.get("location")
            if response.status in (301, 302, 303, 307, 308) and location:
                target = without_credentials(urljoin(current, location))
                if target in seen:
                    raise Refused(
                        OUTCOME_REDIRECT_LOOP, f"redirect loop at {target}", response.status
                    )
                seen.add(target)
                current = target
                continue
            return response
        raise Refused(OUTCOME_REDIRECT_LOOP, f"more than {self.policy.max_redirects} redirects")

    def _request(
        self, url: str, validators: Validators | None, limit: int, prefix: bool = False
    ) -> _Response:
        """GET with a streamed size cap (after decompression) and a deadline on the whole body.

        The body is inflated here, chunk by bounded chunk, so a gzip bomb costs at most
        max_bytes of memory. A body cut short (size cap, deadline) is returned with its refusal,
        so the bytes we did receive can still be archived. `prefix`: a body longer than
        `limit` is read up to it, not refused on its Content-Length.
        """
        headers = {"Accept-Encoding": "gzip, deflate"}
        if (auth := self.policy.basic_auth(url)) is not None:
            headers["Authorization"] = auth
        if validators is not None:
            if validators.etag and validators.etag.isascii():
                headers["If-None-Match"] = validators.etag
            if validators.last_modified and validators.last_modified.isascii():
                headers["If-Modified-Since"] = validators.last_modified
        deadline = time.monotonic() + self.policy.timeout_s
        with self.client.stream("GET", url, headers=headers) as response:
            got = {k.lower(): v for k, v in response.headers.items()}
            result = _Response(url, response.status_code, got)
            self._check_peer(response, url)
            declared = got.get("content-length", "")
            encoding = got.get("content-encoding", "identity").lower().strip()
            too_long = declared.isdigit() and int(declared) > limit
            if encoding in ("identity", "") and too_long and not prefix:
                result.refusal = Refused(
                    OUTCOME_TOO_LARGE,
                    f"Content-Length {declared} > max_bytes {limit}",
                    result.status,
                )
                return result
            inflater = _inflater(encoding)
            chunks: list[bytes] = []
            size = 0
            for raw in response.iter_raw():
                data = inflater.decompress(raw, limit + 1 - size) if inflater else raw
                chunks.append(data)
                size += len(data)
                if size > limit or (inflater is not None and inflater.unconsumed_tail):
                    result.refusal = Refused(
                        OUTCOME_TOO_LARGE,
                        f"body exceeds max_bytes {limit} (decoded)",
                        result.status,
                    )
                    break
                if time.monotonic() > deadline:
                    result.refusal = Refused(
                        OUTCOME_TIMEOUT,
                        f"body not complete within {self.policy.timeout_s} s",
                        result.status,
                    )
                    break
            result.body = b"".join(chunks)[:limit]
            result.truncated = result.refusal is not None
            return result

    def _bounded(self, call: Callable[[], _Response]) -> _Response:
        """Run one request with a hard deadline, headers included.

        httpx's timeouts are per read, so a server sending one header byte every few seconds
        never trips them; the whole-body deadline in _request starts only after the headers.
        The request runs in a daemon thread; past the deadline we give up on it (the thread
        ends when the client closes its connections).
        """
        box: dict[str, Any] = {}
        done = threading.Event()

        def attempt() -> None:
            try:
                box["value"] = call()
            except BaseException as exc:  # handed back to the caller's thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=attempt, daemon=True, name="fetch-attempt").start()
        limit = self.policy.connect_timeout_s + self.policy.timeout_s + 1.0
        if not done.wait(limit):
            raise Refused(OUTCOME_TIMEOUT, f"no complete response within {limit:.0f} s")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _check_peer(self, response: httpx.Response, url: str) -> None:
        """The address we actually connected to must pass the rule too (DNS rebinding)."""
        allowed = self.policy.allow_private_hosts
        if allowed is True:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return
        ip = ipaddress.ip_address(str(peer[0]).split("%")[0])
        host = urlsplit(url).hostname or ""
        if _non_public(ip) and not (isinstance(allowed, tuple) and _allowed_private(host, allowed)):
            raise Refused(
                OUTCOME_PRIVATE_ADDRESS,
                f"refused: {host} connected to non-public address {ip} (DNS changed?)",
                response.status_code,
            )

    def _delay_for(self, host: str) -> float:
        robots = self._robots.get(host)
        crawl_delay = robots.crawl_delay(self.policy.user_agent) if robots is not None else None
        if crawl_delay is None or not math.isfinite(crawl_delay) or crawl_delay < 0:
            crawl_delay = 0.0
        # a Crawl-delay of hours would stall the run: honour it up to a ceiling
        return max(self.policy.per_host_delay_s, min(crawl_delay, MAX_CRAWL_DELAY_S))

    def _check_robots(self, url: str, source_name: str | None) -> str:
        """Refused unless robots.txt lets us fetch `url`; else what allowed it."""
        host = host_of(url)
        with self._robots_locks[host]:  # threads of several sources on one host: read once
            with self._guard:
                known = host in self._robots or host in self._robots_failure
            if not known:
                self._load_robots(url, host, source_name)
        if host in self._robots_failure:
            failure = self._robots_failure[host]
            raise Refused(failure.outcome, str(failure))
        robots = self._robots[host]
        if robots is not None and not robots.can_fetch(url, self.policy.user_agent):
            raise Refused(OUTCOME_ROBOTS_DISALLOWED, f"robots.txt of {host} disallows {url}")
        return ROBOTS_NO_RULES if robots is None else ROBOTS_ALLOWED

    def _load_robots(self, url: str, host: str, source_name: str | None) -> None:
        """robots.txt per RFC 9309: 4xx means no rules, 5xx means stay out.

        An unreachable host is refused with the reason it was unreachable, which says more
        than "robots".
        """
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        result = self.get(robots_url, "robots", source_name)
        with self._guard:
            # read to its end, empty, or to its cap (512 KiB)
            whole = result.outcome in (OUTCOME_OK, OUTCOME_EMPTY, OUTCOME_TOO_LARGE)
            if result.status is not None and 200 <= result.status < 300 and whole:
                # ok, empty (no rules) or cut at its cap (parse what arrived)
                self._remember_robots(host, result.robots_text or "")
            elif result.status is not None and 200 <= result.status < 300:
                # answered, but not readable to the end (too slow): stay out this run
                self._remember_robots(host, "User-agent: *\nDisallow: /\n")
                self._robots_failure[host] = Refused(
                    OUTCOME_ROBOTS_DISALLOWED,
                    f"robots.txt could not be read ({result.outcome}: {result.error}): the "
                    "whole host is off limits this run",
                )
            elif result.status is not None and 400 <= result.status < 500:
                self._remember_robots(host, None)
            elif result.status is not None:
                self._remember_robots(host, "User-agent: *\nDisallow: /\n")
                self._robots_failure[host] = Refused(
                    OUTCOME_ROBOTS_DISALLOWED,
                    f"robots.txt answered HTTP {result.status}: the whole host is off limits "
                    "(RFC 9309)",
                )
            elif result.outcome in (OUTCOME_PRIVATE_ADDRESS, OUTCOME_INVALID_URL):
                self._remember_robots(host, None)  # the request itself is refused the same way
            else:
                self._robots_failure[host] = Refused(
                    result.outcome, f"host unreachable (robots.txt: {result.error})"
                )


class _PinnedBackend(httpcore.SyncBackend):
    """Resolve once, check every address against the private-address rule, connect to a
    checked address; TLS still verifies the host name (SNI comes from the URL)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        allowed = self.policy.allow_private_hosts
        if allowed is True:
            return super().connect_tcp(host, port, *args, **kwargs)
        literal = host.strip("[]")
        addresses = [ipaddress.ip_address(literal)] if _is_ip(literal) else resolve(host)
        for ip in addresses:  # one resolution, checked and then used
            if _non_public(ip) and not (
                isinstance(allowed, tuple) and _ip_allowed(host, ip, allowed)
            ):
                raise Refused(
                    OUTCOME_PRIVATE_ADDRESS, f"refused: {host} resolves to non-public address {ip}"
                )
        return super().connect_tcp(str(addresses[0]), port, *args, **kwargs)


def _ip_allowed(
    host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: tuple[str, ...]
) -> bool:
    """The host is allow-listed by name, or the address lies in an allow-listed network."""
    if host in allowed:
        return True
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class _Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    refusal: Refused | None = None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def _inflater(encoding: str) -> zlib._Decompress | None:
    """A bounded decompressor for the encodings we ask for; None for identity."""
    if encoding == "gzip" or encoding == "x-gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def _looks_like_html(content_type: str | None, body: bytes) -> bool:
    """Trust the bytes over the header: servers label PDFs text/html and HTML octet-stream."""
    head = body[:1024].lstrip().lower()
    if head.startswith((b"%pdf", b"\x89png", b"gif8", b"\xff\xd8", b"pk\x03\x04")):
        return False
    if content_type and any(t in content_type.lower() for t in HTML_TYPES):
        return True
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head


def _accept(response: _Response, purpose: str) -> None:
    """Raises Refused, with the outcome, for a response that gives no page."""
    status = response.status
    if response.refusal is not None:
        raise response.refusal
    if status == 304:
        return
    if status >= 400:
        marker = challenge_marker(status, response.body)
        if marker:
            raise Refused(
                OUTCOME_BOT_CHALLENGE, f"HTTP {status}: a bot challenge ({marker})", status
            )
        raise Refused(OUTCOME_HTTP_ERROR, f"HTTP {status}", status)
    if not response.body.strip():
        raise Refused(OUTCOME_EMPTY, "empty body", status)
    if purpose == "article" and not _looks_like_html(response.content_type, response.body):
        raise Refused(
            OUTCOME_NOT_HTML, f"content type {response.content_type or 'unknown'}", status
        )


def _failure(exc: Exception, status: int | None) -> tuple[str, str, int | None]:
    """An attempt's exception as (outcome, error, status)."""
    if isinstance(exc, Refused):
        return exc.outcome, str(exc), exc.status if exc.status is not None else status
    if isinstance(exc, httpx.TimeoutException):
        return OUTCOME_TIMEOUT, f"timed out ({type(exc).__name__}) {exc}".strip(), status
    if isinstance(exc, httpx.TransportError | OSError):
        return OUTCOME_CONNECTION_ERROR, f"{type(exc).__name__}: {exc}", status
    if isinstance(exc, httpx.InvalidURL | UnicodeError | ValueError):
        return OUTCOME_INVALID_URL, f"{type(exc).__name__}: {exc}", status
    return OUTCOME_CONNECTION_ERROR, f"unexpected {type(exc).__name__}: {exc}", status
