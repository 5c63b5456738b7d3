"""Polite, safe HTTP: robots.txt, per-host delay, timeouts, size caps, private-address guard.

Plain code, no Prefect: the flow hands in a policy and gets back one `FetchResult` per attempt,
refusals included, so every decision can be recorded in fact_fetch.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from transforms.records import Candidate, FetchResult
from transforms.urls import host_of

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    user_agent: str
    per_host_delay_s: float = 1.0
    timeout_s: float = 20.0
    connect_timeout_s: float = 10.0
    max_bytes: int = 10_000_000
    respect_robots: bool = True
    allow_private_hosts: bool = False
    max_redirects: int = 5
    max_hosts_in_parallel: int = 8


class Refused(Exception):
    """A request we decided not to make or not to finish; `outcome` names why."""

    def __init__(self, outcome: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status


def is_public_address(host: str) -> tuple[bool, str]:
    """Whether every address `host` resolves to is public; the reason when not."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise Refused("connection_error", f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_reserved
            or ip.is_multicast
            or ip.is_unspecified
        ):
            return False, f"{host} resolves to non-public address {ip}"
    return True, ""


class Fetcher:
    """One fetcher per run: it remembers robots.txt and last-request times per host."""

    def __init__(
        self,
        policy: FetchPolicy,
        client: httpx.Client | None = None,
        on_result: Callable[[FetchResult], None] | None = None,
        robots: dict[str, str | None] | None = None,
    ) -> None:
        self.policy = policy
        self.client = client or httpx.Client(
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(policy.timeout_s, connect=policy.connect_timeout_s),
            follow_redirects=False,
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_text: dict[str, str | None] = {}
        for host, text in (robots or {}).items():
            self._remember_robots(host, text)
        self._host_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._last_request: dict[str, float] = {}
        self._guard = threading.Lock()
        self._on_result = on_result
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
    ) -> FetchResult:
        """One polite attempt at `url` (following allowed redirects); never raises."""
        sent: list[datetime] = []  # when the first request actually left, after any wait
        clock = time.monotonic()
        started = datetime.now(UTC)
        final_url = url
        status: int | None = None
        content_type: str | None = None
        headers: dict[str, str] = {}
        body = b""
        outcome, error = "ok", None
        try:
            if self.policy.respect_robots and purpose != "robots":
                self._check_robots(url, source_name)
            final_url, status, content_type, headers, body = self._follow(url, sent)
            if status >= 400:
                raise Refused("http_error", f"HTTP {status}", status)
            if not body.strip():
                raise Refused("empty", "empty body", status)
            if purpose == "article" and not _looks_like_html(content_type, body):
                raise Refused("not_html", f"content type {content_type or 'unknown'}", status)
        except Refused as exc:
            outcome, error = exc.outcome, str(exc)
            status = exc.status if exc.status is not None else status
        except httpx.TimeoutException as exc:
            outcome, error = "timeout", f"timed out ({type(exc).__name__}) {exc}".strip()
        except (httpx.TransportError, OSError) as exc:
            outcome, error = "connection_error", f"{type(exc).__name__}: {exc}"
        except httpx.InvalidURL as exc:
            outcome, error = "invalid_url", str(exc)
        result = FetchResult(
            url=url,
            purpose=purpose,
            source_name=source_name,
            final_url=final_url,
            host=host_of(url),
            status=status,
            content_type=content_type,
            outcome=outcome,
            error=error,
            bytes=len(body),
            elapsed_ms=int((time.monotonic() - clock) * 1000),
            fetched_at=sent[0] if sent else started,
            body=body if outcome == "ok" else b"",
            headers=headers,
            candidate=candidate,
        )
        with self._guard:
            self.log.append(result)
        if self._on_result:
            self._on_result(result)
        return result

    def fetch_many(
        self, candidates: Iterable[Candidate], purpose: str = "article"
    ) -> list[FetchResult]:
        """Concurrent across hosts, one at a time within a host; results in input order."""
        items = list(candidates)
        by_host: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(items):
            by_host[host_of(c.url)].append(i)
        results: list[FetchResult | None] = [None] * len(items)

        def work(indexes: list[int]) -> None:
            for i in indexes:
                c = items[i]
                results[i] = self.get(c.url, purpose, c.source_name, c)

        workers = max(1, min(self.policy.max_hosts_in_parallel, len(by_host)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            list(pool.map(work, by_host.values()))
        return [r for r in results if r is not None]

    def robots_rules(self) -> dict[str, str | None]:
        """host -> robots.txt in force (None: no rules), for a later stage's fetcher."""
        with self._guard:
            return dict(self._robots_text)

    def _remember_robots(self, host: str, text: str | None) -> None:
        parser = None
        if text is not None:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(text.splitlines())
        self._robots[host] = parser
        self._robots_text[host] = text

    # -- internals -----------------------------------------------------------------------
    def _check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused("invalid_url", f"not an http(s) URL: {url}")
        if self.policy.allow_private_hosts:
            return
        public, why = is_public_address(parts.hostname)
        if not public:
            raise Refused("private_address", f"refused: {why} (allow_private_hosts is false)")

    def _wait_turn(self, host: str, delay: float) -> None:
        """Sleep until `delay` seconds have passed since the last request to `host`."""
        last = self._last_request.get(host)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request[host] = time.monotonic()

    def _follow(
        self, url: str, sent: list[datetime]
    ) -> tuple[str, int, str | None, dict[str, str], bytes]:
        seen = {url}
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            self._check_address(current)
            host = host_of(current)
            with self._host_locks[host]:
                self._wait_turn(host, self._delay_for(host))
                if not sent:
                    sent.append(datetime.now(UTC))
                status, headers, body = self._request(current)
            if status in (301, 302, 303, 307, 308) and "location" in headers:
                target = urljoin(current, headers["location"])
                if target in seen:
                    raise Refused("redirect_loop", f"redirect loop at {target}", status)
                seen.add(target)
                current = target
                continue
            return current, status, headers.get("content-type"), headers, body
        raise Refused("redirect_loop", f"more than {self.policy.max_redirects} redirects")

    def _request(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """GET with a streamed size cap and a deadline on the whole body."""
        deadline = time.monotonic() + self.policy.timeout_s
        with self.client.stream("GET", url) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise Refused(
                    "too_large",
                    f"Content-Length {declared} > max_bytes {self.policy.max_bytes}",
                    response.status_code,
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise Refused(
                        "too_large",
                        f"body exceeds max_bytes {self.policy.max_bytes}",
                        response.status_code,
                    )
                if time.monotonic() > deadline:
                    raise Refused(
                        "timeout",
                        f"body not complete within {self.policy.timeout_s} s",
                        response.status_code,
                    )
                chunks.append(chunk)
            return response.status_code, headers, b"".join(chunks)

    def _delay_for(self, host: str) -> float:
        robots = self._robots.get(host)
        crawl_delay = None
        if robots is not None:
            try:
                crawl_delay = robots.crawl_delay(self.policy.user_agent)
            except (AttributeError, ValueError):
                crawl_delay = None
        return max(self.policy.per_host_delay_s, float(crawl_delay or 0))

    def _check_robots(self, url: str, source_name: str | None) -> None:
        host = host_of(url)
        with self._guard:
            known = host in self._robots
        if not known:
            text = self._load_robots(url, source_name)
            with self._guard:
                self._remember_robots(host, text)
        robots = self._robots[host]
        if robots is not None and not robots.can_fetch(self.policy.user_agent, url):
            raise Refused("robots_disallowed", f"robots.txt of {host} disallows this URL")

    def _load_robots(self, url: str, source_name: str | None) -> str | None:
        """robots.txt per RFC 9309: 4xx means no rules, 5xx or unreachable means stay out."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        result = self.get(robots_url, "robots", source_name)
        if result.outcome == "ok":
            return result.body.decode("utf-8", errors="replace")
        if result.status is not None and 400 <= result.status < 500:
            return None
        if result.outcome in ("private_address", "invalid_url"):
            return None  # the article request itself will be refused with the same reason
        return "User-agent: *\nDisallow: /\n"


def _looks_like_html(content_type: str | None, body: bytes) -> bool:
    """Trust the bytes over the header: servers label PDFs text/html and HTML octet-stream."""
    head = body[:1024].lstrip().lower()
    if head.startswith((b"%pdf", b"\x89png", b"gif8", b"\xff\xd8", b"pk\x03\x04")):
        return False
    if content_type and any(t in content_type.lower() for t in HTML_TYPES):
        return True
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head
