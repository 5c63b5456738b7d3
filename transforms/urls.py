"""URL normalisation: one spelling per article so reruns and several feeds agree."""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import courlan
import re2


def carries_credentials(url: str, base: str | None = None) -> bool:
    """Whether a link names a user or password (http://user:pass@host/): a feed must not
    make us send credentials, nor store them in our tables."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        return parts.username is not None or parts.password is not None
    except ValueError:
        return False


def without_credentials(url: str) -> str:
    """The URL with any user:password@ removed from its host part (a URL that does not parse
    is left as it is: the fetcher refuses it with its own reason)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def origin_of(url: str) -> str:
    """scheme://host:port, lower-cased, the default port spelled out: what a credential the
    operator configured is sent to, and nothing else."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """A configured URL without its user:password@, and the pair (None when it names none):
    the operator's to send to that origin, never to store."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if parts.username is None and parts.password is None:
        return url, None
    pair = (unquote(parts.username or ""), unquote(parts.password or ""))
    return without_credentials(url), pair


def normalise_url(url: str, base: str | None = None) -> str | None:
    """Absolute, http(s), no credentials, no fragment, no tracking parameters; None when
    unusable."""
    if not url:
        return None
    url = url.strip()
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
            return None
        cleaned = courlan.normalize_url(without_credentials(url))
        parts = urlsplit(without_credentials(cleaned))
        _ = parts.port  # raises for ports out of range
        parts.hostname.encode("idna")  # raises for labels over 63 characters
    except (ValueError, TypeError, UnicodeError):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def ascii_host(host: str) -> str:
    """An internationalised host in its ASCII (punycode) form, as DNS sees it: `аpple.com`
    with a Cyrillic а is `xn--pple-43d.com`, which cannot pass for apple.com in a table. A
    host that does not encode is left as it is."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def host_of(url: str) -> str:
    """host[:port] as the politeness unit: one host, one queue, one robots.txt. In ASCII
    (punycode), so every spelling of a host is one, and a look-alike host shows as what it
    is wherever a host or domain is stored (fact_fetch.host, dim_source.domain)."""
    try:
        parts = urlsplit(url)
        host = ascii_host((parts.hostname or "").lower())
        port = parts.port
    except ValueError:  # "[::1", ":99999": not a URL we can fetch; group it by its text
        return url.split("/")[2] if url.count("/") >= 2 else url
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if port and port != default:
        return f"{host}:{port}"
    return host


_VARIANT_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def url_identity(url: str) -> str:
    """The article behind a URL: scheme and www./m./amp. host variants folded together.

    We still fetch the spelling the source gave; identity only decides what is the same article
    (so https://m.example.com/a and http://www.example.com/a share one article_key).
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url
    for prefix in _VARIANT_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = f":{port}" if port and port not in (80, 443) else ""
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host + port, path, parts.query, ""))


def url_pattern(pattern: str) -> re2._Regexp:
    """A user's URL pattern (`article_pattern`), compiled for RE2, whose matching takes time
    linear in the URL: Python's backtracking engine took 430 s on one 40-character link for
    `/(\\w+-?)+\\.html$`. Raises ValueError for what RE2 does not take (look-arounds,
    back-references) or a pattern that does not compile."""
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own line to stderr: ours names the key
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        why = exc.args[0] if exc.args else "does not compile"
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise ValueError(
            f"not a pattern gazette can match in linear time ({why}); RE2 syntax, without "
            "look-arounds or back-references"
        ) from None
