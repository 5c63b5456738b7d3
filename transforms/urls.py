"""URL normalisation: one spelling per article so reruns and several feeds agree."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

import courlan


def normalise_url(url: str, base: str | None = None) -> str | None:
    """Absolute, http(s), no fragment, no tracking parameters; None when unusable."""
    if not url:
        return None
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        cleaned = courlan.normalize_url(url)
    except (ValueError, TypeError):
        return None
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """host[:port] as the politeness unit: one host, one queue, one robots.txt."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port and parts.port != default:
        return f"{host}:{parts.port}"
    return host


_VARIANT_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def url_identity(url: str) -> str:
    """The article behind a URL: scheme and www./m./amp. host variants folded together.

    We still fetch the spelling the source gave; identity only decides what is the same article
    (so https://m.example.com/a and http://www.example.com/a share one article_key).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in _VARIANT_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host + port, path, parts.query, ""))
