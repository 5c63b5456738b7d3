"""A real HTTP server on 127.0.0.1 with scripted routes, for fetch and discovery tests."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay_s: float = 0.0
    trickle_s: float = 0.0  # pause between 64-byte pieces of the body
    header_drip_s: float = 0.0  # pause between single bytes of a never-ending header


@dataclass
class Site:
    routes: dict[str, Route | Callable[[], Route]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)  # Authorization headers received
    base: str = ""

    def add(self, path: str, body: bytes | str = b"", status: int = 200, **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        hdrs = {"Content-Type": "text/html; charset=utf-8"}
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        self.routes[path] = Route(status, data, hdrs)

    def url(self, path: str) -> str:
        return self.base + path


def start(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            site.hits.append(self.path)
            if self.headers.get("Authorization"):
                site.authorizations.append(self.headers["Authorization"])
            route = site.routes.get(self.path)
            if callable(route):
                route = route()
            if route is None:
                route = Route(404, b"not here")
            if route.delay_s:
                time.sleep(route.delay_s)
            if route.header_drip_s:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    for _ in range(200):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                        time.sleep(route.header_drip_s)
                return
            self.send_response(route.status)
            for key, value in route.headers.items():
                self.send_header(key, value)
            if "Content-Length" not in route.headers:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if route.trickle_s:
                    for i in range(0, len(route.body), 64):
                        self.wfile.write(route.body[i : i + 64])
                        self.wfile.flush()
                        time.sleep(route.trickle_s)
                else:
                    self.wfile.write(route.body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # a short poll: shutdown() waits for the loop to look, 0.5 s by default, in every test
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    return server
