"""What a page is before it is called an article, and what its publisher allows.

Structural signals only, no site list: a wall, a shell or a challenge page looks the same on
every site because the same few vendors and frameworks make them.
- bot challenge: a 403/429/503 whose body is a challenge (Cloudflare, Akamai, DataDome, ...);
- JavaScript shell: next to no text, an app root and a "enable JavaScript" notice;
- consent wall: the little text there is, is about cookies and consent;
- soft 404: a 200 whose title or headline says "not found", with little text;
- paywall: JSON-LD `isAccessibleForFree: false`, or a short text beside a subscribe prompt.
A paywalled teaser still loads, flagged; the others are held back with their kind as reason.

Rights: the robots.txt decision that let the fetch through, `X-Robots-Tag` and
`<meta name="robots">` directives (those for every crawler or for gazette), and a declared
licence (JSON-LD `license`, `rel="license"`).
"""

from __future__ import annotations

import re
from typing import Any

from transforms.metadata import PageMeta

CHALLENGE_STATUSES = (403, 429, 503)
_CHALLENGE = re.compile(
    r"cf-chl|challenge-platform|cf_chl_opt|just a moment\.\.\.|attention required! \| cloudflare"
    r"|checking your browser|captcha-delivery|datadome|_incapsula_resource|px-captcha"
    r"|perimeterx|ddos-guard|are you a robot|verify you are human|bot detection",
    re.I,
)
_JS_NOTICE = re.compile(
    r"(enable|turn on|activate)\s+javascript|javascript (is )?(required|disabled)"
    r"|requires javascript|javascript aktivieren|activez javascript|habilita javascript",
    re.I,
)
_APP_ROOT = re.compile(
    r"<(div|main)[^>]+id=[\"'](root|app|__next|__nuxt|svelte)[\"'][^>]*>\s*</", re.I
)
_CONSENT_WORDS = re.compile(
    r"\b(cookies?|consent|privacy|accept all|reject all|manage (options|preferences)"
    r"|partners|personali[sz]ed ads|tracking|einwilligung|zustimmen|datenschutz|akzeptieren"
    r"|consentement|accepter|cookies de|aceptar|consentimento)\b",
    re.I,
)
# the wall's own buttons, extracted as if they were the text: an article about privacy has
# the words, not the buttons
_CONSENT_UI = re.compile(
    r"\b(accept all|reject all|accept (all )?cookies|allow all|manage (cookie )?(preferences"
    r"|options|settings)|alle akzeptieren|alle ablehnen|tout accepter|tout refuser"
    r"|aceptar todo|rechazar todo|accetta tutto|rifiuta tutto)\b",
    re.I,
)
# the title or headline *is* the not-found message: it starts with it ("Page not found |
# Valley Times", "404 - Not Found"), not a headline that mentions it ("body not found") or a
# publication named "404 Media"
_NOT_FOUND = re.compile(
    r"^\W*(error\W*)?(404\b\W*(error|not found|page|-|:|\||$)|page not found|not found\b"
    r"|(this|the) page (you|could|can)|seite nicht gefunden|page introuvable"
    r"|p[aá]gina no encontrada|pagina non trovata|pagina niet gevonden|strona nie znaleziona)",
    re.I,
)
_SUBSCRIBE = re.compile(
    r"(subscribe|sign in|log in)( now| today)? to (continue|keep)? ?read"
    r"|this (article|content|story) is (only )?(for|available to) subscribers"
    r"|jetzt abonnieren|réservé aux abonnés|exclusivo para suscriptores|abbonati per",
    re.I,
)
SHELL_TEXT_CHARS = 200  # a shell's visible text, at most
WALL_TEXT_CHARS = 1_500  # a wall's or a not-found page's extracted text, at most
BUTTON_TEXT_CHARS = 200  # what a wall's buttons add to it ("Accept all", "Manage preferences")
CONSENT_SHARE = 0.02  # consent words per word of text past which short text is a wall
TEASER_TEXT_CHARS = 2_500  # a text this short beside a subscribe prompt is a teaser
DIRECTIVES = ("noindex", "nofollow", "noarchive", "nosnippet", "noimageindex", "none")
VALUED = ("max-snippet", "max-image-preview", "max-video-preview", "unavailable_after")


def challenge_marker(status: int | None, body: bytes) -> str | None:
    """The bot-challenge signal in an error page's body, if it is one."""
    if status not in CHALLENGE_STATUSES:
        return None
    found = _CHALLENGE.search(body[:200_000].decode("utf-8", "replace"))
    return found.group(0).lower() if found else None


_HIDDEN = frozenset({"script", "style", "noscript", "template"})
SCRIPT_SHARE = 20  # script characters per character of visible text past which a page is an app


def tree_text(tree: Any) -> tuple[str, str, int]:
    """(visible text, <noscript> text, script characters) of a parsed page, in one walk:
    what a reader without JavaScript sees, what the page says to them, what it runs. The
    runs are not in reading order (a tail before the children's text): enough to measure
    and to search for a phrase."""
    parts: dict[str | None, list[str]] = {None: [], "noscript": [], "script": []}
    stack: list[tuple[Any, str | None]] = [(tree, None)]
    while stack:
        node, hidden = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        inside = hidden or (tag if tag in _HIDDEN else None)
        if tag is not None:  # a comment's text is not the page's
            parts.setdefault(inside, []).append(node.text or "")
        if node.tail:
            parts.setdefault(hidden, []).append(node.tail)  # the tail is the parent's text
        stack.extend((child, inside) for child in reversed(node))
    visible = " ".join(" ".join(parts[None]).split())
    noscript = " ".join(" ".join(parts["noscript"]).split())
    return visible, noscript, sum(len(t) for t in parts["script"])


def _controls_text(tree: Any) -> str:
    """The words on the page's buttons, which extractors drop: a wall's "Accept all"."""
    words = [_clean_text(b) for b in tree.iter("button")]
    words += [
        i.get("value") or "" for i in tree.iter("input") if i.get("type") in ("submit", "button")
    ]
    words += [_clean_text(a) for a in tree.xpath("//*[@role='button']")]
    return " ".join(w for w in words if w)


def _clean_text(node: Any) -> str:
    return " ".join(node.text_content().split())


def not_an_article(tree: Any, page: str, text: str) -> str | None:
    """Why a page whose extracted text is short is not an article, read from the page's tree
    (the extracted text has lost the signs): a JavaScript shell, whose visible text is next to
    nothing once its <noscript> notice is set aside, or a consent wall, whose buttons say
    "Accept all". None for a page that is simply short."""
    if len(text) > WALL_TEXT_CHARS:
        return None
    visible, noscript, scripts = tree_text(tree)
    if len(visible) <= SHELL_TEXT_CHARS and (
        _JS_NOTICE.search(noscript or visible)
        or _APP_ROOT.search(page)
        or scripts > SCRIPT_SHARE * max(len(visible), 1)
    ):
        return f"javascript_shell ({len(visible)} characters of visible text, content by script)"
    return consent_wall(f"{text or visible} {_controls_text(tree)}")


def consent_wall(text: str) -> str | None:
    """A consent or cookie wall that stands where the article should be: its text (with the
    words on its buttons) is short and about consent, and a button says "Accept all"."""
    if len(text) > WALL_TEXT_CHARS + BUTTON_TEXT_CHARS:
        return None
    words = max(1, len(text.split()))
    consent = len(_CONSENT_WORDS.findall(text))
    buttons = _CONSENT_UI.search(text)
    if buttons and consent >= 3 and consent / words >= CONSENT_SHARE:
        return (
            f"consent_wall ({consent} consent words in {words} words of text, "
            f"and {buttons.group(0)!r})"
        )
    return None


def soft_404(meta: PageMeta, title: str | None, text: str) -> str | None:
    """A 200 answer that is a not-found page."""
    if len(text) > WALL_TEXT_CHARS:
        return None
    for label in (meta.title_tag, meta.h1, title):
        if label and _NOT_FOUND.search(label):
            return f"soft_404 (the page says {label[:80]!r})"
    return None


def _free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def is_paywalled(meta: PageMeta, tree: Any, text: str) -> bool:
    """JSON-LD says the content is not free (itself or a part of it), or a short text sits
    beside a subscribe prompt."""
    nodes = [meta.jsonld]
    part = meta.jsonld.get("hasPart")
    nodes += [p for p in (part if isinstance(part, list) else [part]) if isinstance(p, dict)]
    if any(_free(n.get("isAccessibleForFree")) is False for n in nodes):
        return True
    return len(text) <= TEASER_TEXT_CHARS and bool(_SUBSCRIBE.search(tree_text(tree)[0]))


def robots_directives(headers: dict[str, str] | None, meta: PageMeta) -> str | None:
    """The page's robots directives for every crawler or for gazette, from `X-Robots-Tag`
    and `<meta name="robots">` / `<meta name="gazette">`, sorted, comma-separated."""
    found: set[str] = set()
    values = [v for k, v in (headers or {}).items() if k.lower() == "x-robots-tag"]
    values += [v for k in ("robots", "gazette") for v in meta.meta_all.get(k, [])]
    for value in values:
        agent = "*"  # "otherbot: noindex, nofollow": both are otherbot's, up to the next agent
        for clause in value.split(","):
            clause = clause.strip().lower()
            name, _, rest = clause.partition(":")
            name = name.strip()
            if rest and name in VALUED:
                continue  # max-snippet:-1 and the like: a directive with a value, not an agent
            if rest and name not in DIRECTIVES and " " not in name:
                agent, clause = name, rest.strip()
            if agent not in ("gazette", "*"):
                continue  # a directive for another crawler
            if clause == "none":
                found.update(("noindex", "nofollow"))
            elif clause in DIRECTIVES:
                found.add(clause)
    return ",".join(sorted(found)) or None


_LICENSE_REL = re.compile(r"\blicense\b", re.IGNORECASE)


def licence_url(meta: PageMeta, tree: Any) -> str | None:
    """The declared licence: JSON-LD `license` (a URL, or a node with one), else the first
    `<link>` or `<a>` whose rel names it (`rel="license"`, `rel="license noopener"`)."""
    value = meta.jsonld.get("license")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or value.get("name")
    if isinstance(value, str) and value.strip():
        return value.strip()
    for node in tree.iter("link", "a"):
        rel, href = node.get("rel"), node.get("href")
        if rel and href and href.strip() and _LICENSE_REL.search(rel):
            return href.strip()
    return None
