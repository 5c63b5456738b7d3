"""Serve the bundled demo news site (demo/site/<outlet>/) on loopback, one port per outlet.

Each outlet gets its own host:port, so robots.txt, per-host politeness and domains behave as on
the real web. Files hold the placeholder {{BASE_URL}}; it is replaced at serve time.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SITE_DIR = DEMO_DIR / "site"
SOURCES_TEMPLATE = DEMO_DIR / "sources.toml"
TEXT_TYPES = (".html", ".xml", ".txt", ".json")


class _Handler(BaseHTTPRequestHandler):
    server_version = "gazette-demo/1"

    def __init__(self, *args: object, root: Path, **kwargs: object) -> None:
        self.root = root
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the pipeline records every attempt itself

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if (self.root not in target.parents and target != self.root) or not target.is_file():
            self.send_error(404, "Not Found")
            return
        body = target.read_bytes()
        if target.suffix in TEXT_TYPES:
            base = f"http://{self.headers.get('Host') or self.server.server_address[0]}"
            body = body.replace(b"{{BASE_URL}}", base.encode())
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)  # conditional GET: a polite crawler's rerun costs little
            self.send_header("ETag", etag)
            self.end_headers()
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".xml":
            kind = "application/xml"
        self.send_response(200)
        self.send_header(
            "Content-Type",
            f"{kind}; charset=utf-8" if kind.startswith(("text", "application/xml")) else kind,
        )
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@dataclass
class DemoSite:
    """Running demo servers: outlet slug -> base URL."""

    bases: dict[str, str]

    def sources_toml(self, template: Path = SOURCES_TEMPLATE) -> str:
        text = template.read_text(encoding="utf-8")
        for slug, base in self.bases.items():
            text = text.replace("{{" + slug + "}}", base)
        return text


@contextmanager
def serve_demo(
    site_dir: Path = SITE_DIR, preferred_ports: dict[str, int] | None = None
) -> Iterator[DemoSite]:
    """Serve every outlet folder; reuse `preferred_ports` when free so URLs stay stable."""
    servers = []
    bases = {}
    try:
        for outlet in sorted(p for p in site_dir.iterdir() if p.is_dir()):
            port = (preferred_ports or {}).get(outlet.name, 0)
            handler = partial(_Handler, root=outlet.resolve())
            try:  # the remembered port keeps URLs (and article keys) stable across demo runs
                server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            except OSError:
                server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            # shutdown() waits for the loop's next look: 0.5 s a server by default
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
            servers.append(server)
            bases[outlet.name] = f"http://127.0.0.1:{server.server_address[1]}"
        yield DemoSite(bases)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def remembered_ports(home: Path) -> dict[str, int]:
    """The ports the last demo run used: the same URLs mean the same article keys."""
    path = home / "demo-ports.json"
    try:
        return {k: int(v) for k, v in json.loads(path.read_text()).items()}
    except (FileNotFoundError, ValueError, AttributeError):
        return {}


def remember_ports(home: Path, site: DemoSite) -> None:
    ports = {slug: int(base.rsplit(":", 1)[1]) for slug, base in site.bases.items()}
    home.mkdir(parents=True, exist_ok=True)
    (home / "demo-ports.json").write_text(json.dumps(ports, indent=2))
