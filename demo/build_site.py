#!/usr/bin/env python3
"""Regenerate the bundled demo news sites under demo/site/ from demo/articles.json.

Standard library only; deterministic (the same articles.json always yields byte-identical
files: everything is sorted, nothing depends on the clock, randomness comes from hashes).
Absolute URLs are written with the literal placeholder {{BASE_URL}}, which the demo server
replaces with http://127.0.0.1:PORT when it serves the files. Each outlet directory is served
as the root of its own HTTP server.

Usage (from the repository root):  python3 demo/build_site.py
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles.json"
SITE = HERE / "site"
BASE = "{{BASE_URL}}"
YEAR = 2026

OUTLET_NAMES = {
    "harbor-herald": "Harbor Herald",
    "valley-ledger": "Valley Ledger",
    "northern-courier": "Northern Courier",
}
SECTION_LABELS = {
    "local": "Local",
    "world": "World",
    "business": "Business",
    "culture": "Culture",
    "sport": "Sport",
}
SECTION_ORDER = ["local", "world", "business", "culture", "sport"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]
MESES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
    "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]

# Reader comments are page clutter: picked from these pools by a hash of the article path.
COMMENTERS = [
    "Pete from Eastmoor", "LindaK", "old_salt_1958", "J. Marchetti", "Ruth W.",
    "quayside_mum", "Tom Hadley", "A. Nwosu", "ValleyWalker", "Mags Ferreira",
    "northbound", "Graham P.", "H. Castellanos", "sceptical_sam", "Bea Lindholm",
    "Dr K. Mensah", "river_rat", "Ollie T.", "Catherine B.", "midweek_reader",
]
COMMENTS_EN = [
    "Good to see this covered properly. The national papers never bother with stories like this.",
    "I'll believe it when I see it. We've heard promises like this before.",
    "Does anyone know if there's going to be a public meeting about this?",
    "Thorough reporting as always, thank you.",
    "The real question is who pays for it in the end. Spoiler: all of us.",
    "Not sure the headline matches the story, to be honest.",
    "Shared this with our residents' group. Plenty of strong opinions already!",
    "Would be good to hear from the people actually affected rather than just the officials.",
    "Can we have a follow-up in six months to see what actually happened?",
    "Interesting piece, but I think some of the figures quoted need checking.",
    "This is exactly why proper local reporting matters.",
    "Please fix the comments section, it keeps logging me out!",
    "Some of the replies on here are a bit much. Let's keep it civil, people.",
    "First time commenting after years of reading. Just wanted to say this was clearly explained.",
    "Why is it always the same handful of people who get quoted in these articles?",
    "Bookmarking this one. I suspect we'll be hearing a lot more about it.",
    "Printed this out for my dad, who still refuses to read anything on a screen.",
    "Typo in the third paragraph, unless I'm misreading it.",
]
GALLERY_COMMENT = "The photos are superb. Whoever took them deserves a mention."
COMMENTS_ES = [
    "Qué alegría leer esto. Mis hijos participaron en el intercambio hace años.",
    "Veinte años ya, cómo pasa el tiempo.",
    "Ojalá se animen más jóvenes a participar en los próximos intercambios.",
    "Gracias por publicar la noticia también en español.",
    "Estuve en la cena popular y fue estupenda. ¡Hasta el año que viene!",
    "Un ejemplo de lo que se puede conseguir con buena voluntad.",
]


# --------------------------------------------------------------------------- helpers


def esc(text: str) -> str:
    """Text content (HTML or XML): & < > only, so apostrophes stay readable."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """A double-quoted attribute value."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def human_date(d: datetime, lang: str = "en") -> str:
    if lang == "es":
        return f"{d.day} de {MESES[d.month - 1]} de {d.year}"
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def join_names(names: list[str], lang: str = "en") -> str:
    conj = " y " if lang == "es" else " and "
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + conj + names[-1]


def digest(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:12], 16)


def slug_of(article: dict) -> str:
    return article["path"].rsplit("/", 1)[-1].removesuffix(".html")


def url(path: str) -> str:
    return BASE + path


def write(rel: str, text: str) -> None:
    target = SITE / rel.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")


def sort_key(article: dict) -> tuple[str, str]:
    return (when(article["published_at"]).isoformat(), article["path"])


def newest_first(articles: list[dict]) -> list[dict]:
    return sorted(articles, key=lambda a: (-when(a["published_at"]).timestamp(), a["path"]))


def comments_for(article: dict) -> list[tuple[str, datetime, str]]:
    """3-5 deterministic reader comments, each later than the one before."""
    key = article["outlet"] + article["path"]
    if article["language"] == "es":
        pool = COMMENTS_ES
    else:
        pool = COMMENTS_EN + ([GALLERY_COMMENT] if article["gallery"] else [])
    count = 3 + digest(key, "count") % 3
    texts = sorted(range(len(pool)), key=lambda i: digest(key, "text", str(i)))[:count]
    names = sorted(range(len(COMMENTERS)), key=lambda i: digest(key, "name", str(i)))[:count]
    moment = when(article["published_at"])
    out = []
    for n, (ti, ni) in enumerate(zip(texts, names, strict=True)):
        moment += timedelta(minutes=17 + digest(key, "gap", str(n)) % 300)
        out.append((COMMENTERS[ni], moment, pool[ti]))
    return out


def related_for(article: dict, pool: list[dict]) -> list[dict]:
    """Three other published articles of the same outlet: same section first, then closest date."""
    mine = when(article["published_at"])

    def rank(other: dict) -> tuple:
        gap = abs((when(other["published_at"]) - mine).total_seconds())
        return (other["section"] != article["section"], gap, other["path"])

    others = [o for o in pool if o["path"] != article["path"]]
    return sorted(others, key=rank)[:3]


def figures(article: dict, indent: str) -> str:
    """Gallery figures: `N View gallery CAPTION ( Photo: NAME / AGENCY )`."""
    images = article["gallery"]
    total = len(images)
    rows = []
    for i, img in enumerate(images, start=1):
        src = f"/img/{slug_of(article)}-{i}.jpg"
        caption = (
            f"{total} View gallery {img['caption']} "
            f"( Photo: {img['credit_name']} / {img['credit_agency']} )"
        )
        rows.append(
            f'{indent}<figure>\n'
            f'{indent}  <img src="{attr(src)}" alt="{attr(img["caption"])}" width="960" height="640">\n'
            f"{indent}  <figcaption>{esc(caption)}</figcaption>\n"
            f"{indent}</figure>"
        )
    return "\n".join(rows)


def json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("</", "<\\/")


def load() -> list[dict]:
    with open(ARTICLES, encoding="utf-8") as fh:
        articles = json.load(fh)
    seen = set()
    for a in articles:
        ident = (a["outlet"], a["path"])
        if ident in seen:
            raise SystemExit(f"duplicate path {ident}")
        seen.add(ident)
        if a["outlet"] not in OUTLET_NAMES or not a["path"].endswith(".html"):
            raise SystemExit(f"bad outlet or path: {ident}")
    return sorted(articles, key=lambda a: (a["outlet"], *sort_key(a)))


# --------------------------------------------------------------------------- Harbor Herald

HH_NAME = "Harbor Herald"
HH_CSS = """body{margin:0;font-family:Georgia,serif;color:#1d2733;background:#f7f5f0}
.hh-cookie-banner{background:#1d2733;color:#fff;padding:.8em 1.2em;font-family:sans-serif}
.hh-masthead{border-bottom:4px double #1d2733;text-align:center;padding:1em}
.hh-logo{font-size:2.4em;font-weight:bold;color:#0b3d5c;text-decoration:none}
.hh-nav ul{list-style:none;padding:0;margin:.5em 0 0}.hh-nav li{display:inline;margin:0 .6em}
.hh-main{max-width:46em;margin:0 auto;padding:1em}
.hh-kicker{text-transform:uppercase;color:#b5401f;font-family:sans-serif;font-size:.8em}
.hh-gallery figure{margin:1.2em 0}.hh-gallery img{max-width:100%;height:auto;background:#ccd}
.hh-update-note{border-left:4px solid #b5401f;padding-left:.8em;font-style:italic}
.hh-footer{background:#0b3d5c;color:#dde;padding:1.5em;font-family:sans-serif}
.hh-footer a{color:#fff}"""


def hh_head(title: str, canonical: str | None, extra: str = "") -> str:
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '  <meta charset="utf-8">',
        '  <meta name="viewport" content="width=device-width, initial-scale=1">',
        f"  <title>{esc(title)}</title>",
    ]
    if canonical:
        lines.append(f'  <link rel="canonical" href="{attr(canonical)}">')
    lines.append(
        f'  <link rel="alternate" type="application/rss+xml" title="{HH_NAME}" '
        f'href="{BASE}/feed.xml">'
    )
    lines.append(f"  <style>\n{HH_CSS}\n  </style>")
    if extra:
        lines.append(extra)
    lines.append("</head>")
    return "\n".join(lines)


def hh_chrome_top(sections: list[str]) -> str:
    items = "\n".join(
        f'        <li><a href="/#{s}">{SECTION_LABELS[s]}</a></li>' for s in sections
    )
    return f"""<body class="hh-body">
  <div class="hh-cookie-banner" id="hh-cookie" role="dialog" aria-label="Cookie consent">
    <p>We use cookies to keep this site working, to understand how it is used and to show you relevant advertising. You can change your mind at any time under Cookie settings.</p>
    <button type="button" class="hh-cookie-accept">Accept</button>
    <button type="button" class="hh-cookie-reject">Reject</button>
  </div>
  <header class="hh-masthead">
    <a class="hh-logo" href="/">Harbor Herald</a>
    <p class="hh-motto">Merrowport and the Tessel coast since 1871</p>
    <nav class="hh-nav" aria-label="Sections">
      <ul>
        <li><a href="/">Home</a></li>
{items}
      </ul>
    </nav>
  </header>"""


def hh_footer() -> str:
    return f"""  <footer class="hh-footer">
    <ul class="hh-footer-links">
      <li><a href="/">Front page</a></li>
      <li><a href="/about.html">About the Harbor Herald</a></li>
      <li><a href="/feed.xml">RSS feed</a></li>
      <li><a href="/private/subscriber-area.html">Subscriber area</a></li>
      <li><a href="mailto:newsdesk@harbor-herald.example">Contact the newsdesk</a></li>
    </ul>
    <p class="hh-copyright">&copy; {YEAR} Harbor Herald Ltd, 14 Quayside, Merrowport. All rights reserved.</p>
  </footer>
</body>
</html>"""


def hh_article(a: dict, pool: list[dict], sections: list[str]) -> str:
    published = when(a["published_at"])
    modified = when(a["modified_at"]) if a["modified_at"] else None
    canonical = url(a["path"])
    if a["authors"]:
        author_ld = [{"@type": "Person", "name": n} for n in a["authors"]]
    else:
        author_ld = [{"@type": "Organization", "name": a["agency"]}]
    ld: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a["title"],
        "description": a["description"],
        "datePublished": a["published_at"],
    }
    if a["modified_at"]:
        ld["dateModified"] = a["modified_at"]
    ld.update(
        {
            "author": author_ld,
            "publisher": {"@type": "Organization", "name": HH_NAME, "url": BASE + "/"},
            "keywords": ", ".join(a["tags"]),
            "articleSection": SECTION_LABELS.get(a["section"], a["section"].title()),
            "inLanguage": a["language"],
            "mainEntityOfPage": canonical,
            "url": canonical,
        }
    )
    script = f'  <script type="application/ld+json">\n{json_ld(ld)}\n  </script>'
    head = hh_head(f"{a['title']} | {HH_NAME}", canonical, script)

    if a["authors"]:
        names = [f'<span class="hh-author">{esc(n)}</span>' for n in a["authors"]]
        byline = "By " + join_names(names)
    else:
        byline = f'<span class="hh-agency">{esc(a["agency"])}</span>'
    date_html = (
        f'<time class="hh-published" datetime="{a["published_at"]}">'
        f"{human_date(published)}, {published:%H:%M}</time>"
    )
    if modified:
        date_html += (
            f' &middot; Updated <time class="hh-modified" datetime="{a["modified_at"]}">'
            f"{human_date(modified)}, {modified:%H:%M}</time>"
        )

    body = []
    for i, para in enumerate(a["paragraphs"]):
        body.append(f"        <p>{esc(para)}</p>")
        if i == 0 and a["gallery"]:
            body.append('        <div class="hh-gallery">')
            body.append(figures(a, "          "))
            body.append("        </div>")
    if a["update_note"]:
        body.append(f'        <p class="hh-update-note">{esc(a["update_note"])}</p>')
    tags = "\n".join(f'          <li class="hh-tag">{esc(t)}</li>' for t in a["tags"])
    related = "\n".join(
        f'        <li><a href="{attr(r["path"])}">{esc(r["title"])}</a></li>'
        for r in related_for(a, pool)
    )
    comments = comments_for(a)
    comment_html = "\n".join(
        f"""        <li class="hh-comment">
          <p class="hh-comment-meta"><strong class="hh-commenter">{esc(name)}</strong> wrote on <time datetime="{at.isoformat()}">{human_date(at)} at {at:%H:%M}</time></p>
          <p class="hh-comment-text">{esc(text)}</p>
        </li>"""
        for name, at, text in comments
    )
    label = SECTION_LABELS.get(a["section"], a["section"].title())
    return f"""{head}
{hh_chrome_top(sections)}
  <main class="hh-main">
    <article class="hh-article">
      <p class="hh-kicker"><a href="/#{a['section']}">{label}</a></p>
      <h1 class="hh-headline">{esc(a['title'])}</h1>
      <p class="hh-standfirst">{esc(a['description'])}</p>
      <div class="hh-byline">{byline} &middot; {date_html}</div>
      <div class="hh-article-body">
{chr(10).join(body)}
      </div>
      <div class="hh-tags">
        <h2>Topics</h2>
        <ul>
{tags}
        </ul>
      </div>
    </article>
    <aside class="hh-related" aria-label="Related stories">
      <h2>Related stories</h2>
      <ul>
{related}
      </ul>
    </aside>
    <section class="hh-comments" id="comments">
      <h2>Comments ({len(comments)})</h2>
      <ol>
{comment_html}
      </ol>
      <p class="hh-comment-policy">Comments are moderated. Please keep it civil.</p>
    </section>
  </main>
{hh_footer()}"""


def hh_index(live: list[dict], sections: list[str]) -> str:
    ordered = newest_first(live)
    lead = ordered[0]
    blocks = []
    for s in sections:
        items = "\n".join(
            f'        <li><a href="{attr(a["path"])}">{esc(a["title"])}</a> '
            f'<span class="hh-date">{human_date(when(a["published_at"]))}</span></li>'
            for a in ordered
            if a["section"] == s
        )
        blocks.append(
            f'    <section class="hh-front-section" id="{s}">\n'
            f"      <h2>{SECTION_LABELS[s]}</h2>\n      <ul>\n{items}\n      </ul>\n    </section>"
        )
    return f"""{hh_head(f"{HH_NAME} | News from Merrowport and the Tessel coast", BASE + "/")}
{hh_chrome_top(sections)}
  <main class="hh-main hh-front">
    <div class="hh-lead">
      <h2><a href="{attr(lead['path'])}">{esc(lead['title'])}</a></h2>
      <p>{esc(lead['description'])}</p>
    </div>
{chr(10).join(blocks)}
  </main>
{hh_footer()}"""


def hh_about(sections: list[str]) -> str:
    return f"""{hh_head(f"About us | {HH_NAME}", BASE + "/about.html")}
{hh_chrome_top(sections)}
  <main class="hh-main">
    <div class="hh-page">
      <h1>About the Harbor Herald</h1>
      <p>The Harbor Herald has reported on Merrowport, Skerra Island and the communities of the Tessel estuary since 1871, when it was founded as a weekly shipping gazette by the printer Josiah Cardew. It became a daily newspaper in 1903 and has published online since 1998.</p>
      <p>Our newsroom on Quayside employs eighteen journalists and photographers. We are owned by the Tessel Coast Media Trust, an independent charitable trust, which means that every euro of profit is reinvested in local reporting.</p>
      <p>Spotted an error? Write to the readers' editor at corrections@harbor-herald.example. We publish corrections and updates at the foot of the article concerned, with the date of the change.</p>
    </div>
  </main>
{hh_footer()}"""


def rss_item(a: dict) -> str:
    published = when(a["published_at"])
    creators = a["authors"] or [a["agency"]]
    lines = [
        "    <item>",
        f"      <title>{esc(a['title'])}</title>",
        f"      <link>{esc(url(a['path']))}</link>",
        f'      <guid isPermaLink="true">{esc(url(a["path"]))}</guid>',
        f"      <pubDate>{format_datetime(published)}</pubDate>",
        f"      <description>{esc(a['description'])}</description>",
    ]
    lines += [f"      <dc:creator>{esc(c)}</dc:creator>" for c in creators if c]
    lines += [f"      <category>{esc(t)}</category>" for t in a["tags"]]
    lines.append("    </item>")
    return "\n".join(lines)


def hh_feed(all_articles: list[dict]) -> str:
    ordered = newest_first(all_articles)
    stamps = [when(a["modified_at"] or a["published_at"]) for a in all_articles]
    last = max(stamps)
    items = "\n".join(rss_item(a) for a in ordered)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{HH_NAME}</title>
    <link>{BASE}/</link>
    <description>News from Merrowport, Skerra Island and the Tessel coast</description>
    <language>en</language>
    <lastBuildDate>{format_datetime(last)}</lastBuildDate>
    <atom:link href="{BASE}/feed.xml" rel="self" type="application/rss+xml"/>
{items}
  </channel>
</rss>"""


def build_harbor(articles: list[dict]) -> None:
    live = [a for a in articles if not a["missing"]]
    sections = [s for s in SECTION_ORDER if any(a["section"] == s for a in live)]
    for a in live:
        write("harbor-herald" + a["path"], hh_article(a, live, sections))
    write("harbor-herald/index.html", hh_index(live, sections))
    write("harbor-herald/about.html", hh_about(sections))
    write("harbor-herald/feed.xml", hh_feed(articles))
    write("harbor-herald/robots.txt", "User-agent: *\nDisallow: /private/\n")


# --------------------------------------------------------------------------- Valley Ledger

VL_NAME = "Valley Ledger"
VL_CSS = """*{box-sizing:border-box}body{margin:0;font:16px/1.55 'Helvetica Neue',Arial,sans-serif;color:#222}
.consent-bar{position:fixed;bottom:0;left:0;right:0;background:#fffbe6;border-top:1px solid #d9c97a;padding:10px 16px}
.vl-wrapper{display:grid;grid-template-columns:1fr 280px;gap:32px;max-width:1100px;margin:0 auto;padding:0 16px}
.vl-topbar{background:#2f5d3a;color:#fff;padding:10px 16px}.vl-topbar a{color:#fff}
.topmenu a{margin-right:14px;text-decoration:none}
.story__title{font-size:2.1em;line-height:1.15;margin:.4em 0}
.story__meta{color:#555;font-size:.9em;border-bottom:1px solid #ddd;padding-bottom:8px}
.story__photos figure{margin:18px 0}.story__photos img{width:100%;height:auto;background:#dde3d5}
.story__notice{background:#f3f0e6;padding:10px}
.sidebar-box{border:1px solid #ddd;padding:12px;margin-top:24px}
.reader-comments .rc-item{border-top:1px solid #eee;padding:8px 0}
.site-foot{background:#222;color:#bbb;padding:24px 16px;margin-top:40px}.site-foot a{color:#eee}"""


def vl_head(title: str, lang: str, metas: list[tuple[str, str, str]], canonical: str) -> str:
    meta_lines = "\n".join(
        f'  <meta {kind}="{attr(key)}" content="{attr(value)}">' for kind, key, value in metas
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(title)}</title>
{meta_lines}
  <link rel="canonical" href="{attr(canonical)}">
  <style>
{VL_CSS}
  </style>
</head>"""


def vl_top(sections: list[str]) -> str:
    links = "\n".join(
        f'      <a href="/#{s}">{SECTION_LABELS[s]}</a>' for s in sections
    )
    return f"""<body>
<div class="vl-topbar" lang="en">
  <span class="vl-brand"><a href="/">The Valley Ledger</a></span>
  <span class="vl-tagline">Ashbury Cross &middot; Kelling &middot; Dunmere &middot; Hollin Bridge</span>
  <nav class="topmenu">
      <a href="/">Home</a>
{links}
  </nav>
</div>"""


def vl_bottom() -> str:
    return f"""<div class="site-foot" lang="en">
  <div class="site-foot__links">
    <a href="/">Home</a> |
    <a href="/sitemap.xml">Sitemap</a> |
    <a href="mailto:letters@valley-ledger.example">Letters to the editor</a> |
    <a href="mailto:adverts@valley-ledger.example">Advertise with us</a>
  </div>
  <div class="site-foot__legal">Copyright &copy; {YEAR} Valley Ledger Newspapers. Published in Ashbury Cross for the Sorrel Valley.</div>
</div>
<div class="consent-bar" id="consent" lang="en">
  We use cookies and similar technologies to measure audiences and personalise adverts. Read our cookie notice to find out more.
  <button type="button" data-consent="accept">Accept</button>
  <button type="button" data-consent="reject">Reject</button>
</div>
</body>
</html>"""


def vl_article(a: dict, pool: list[dict], sections: list[str]) -> str:
    lang = a["language"]
    published = when(a["published_at"])
    modified = when(a["modified_at"]) if a["modified_at"] else None
    canonical = url(a["path"])
    metas = [
        ("name", "description", a["description"]),
    ]
    if a["authors"]:
        metas.append(("name", "author", "; ".join(a["authors"])))
    metas += [
        ("property", "og:type", "article"),
        ("property", "og:site_name", VL_NAME),
        ("property", "og:title", a["title"]),
        ("property", "og:description", a["description"]),
        ("property", "og:url", canonical),
        ("property", "og:locale", "es_ES" if lang == "es" else "en_GB"),
        ("property", "article:published_time", a["published_at"]),
    ]
    if a["modified_at"]:
        metas.append(("property", "article:modified_time", a["modified_at"]))
    metas.append(("property", "article:section", SECTION_LABELS.get(a["section"], a["section"])))
    metas += [("property", "article:tag", t) for t in a["tags"]]
    head = vl_head(f"{a['title']} - {VL_NAME}", lang, metas, canonical)

    by_word = "Por" if lang == "es" else "By"
    if a["authors"]:
        credit = f"{by_word} " + join_names([esc(n) for n in a["authors"]], lang)
        if a["agency"]:
            credit += f", {esc(a['agency'])}"
    else:
        credit = esc(a["agency"])
    if lang == "es":
        stamp = f"Publicado el {human_date(published, 'es')}, a las {published:%H:%M}"
        if modified:
            stamp += f" &middot; Actualizado el {human_date(modified, 'es')}"
    else:
        stamp = f"Published {human_date(published)} at {published:%H:%M}"
        if modified:
            stamp += f" &middot; Updated {human_date(modified)} at {modified:%H:%M}"

    body = []
    for i, para in enumerate(a["paragraphs"]):
        body.append(f"      <p>{esc(para)}</p>")
        if i == 1 and a["gallery"]:
            body.append('      <div class="story__photos">')
            body.append(figures(a, "        "))
            body.append("      </div>")
    if a["update_note"]:
        body.append(f'      <p class="story__notice">{esc(a["update_note"])}</p>')
    related = "\n".join(
        f'        <li><a href="{attr(r["path"])}">{esc(r["title"])}</a></li>'
        for r in related_for(a, pool)
    )
    comments = comments_for(a)
    comment_html = "\n".join(
        f"""    <div class="rc-item">
      <div class="rc-head"><span class="rc-name">{esc(name)}</span> <span class="rc-when">{human_date(at)}, {at:%H:%M}</span></div>
      <div class="rc-body">{esc(text)}</div>
    </div>"""
        for name, at, text in comments
    )
    label = SECTION_LABELS.get(a["section"], a["section"].title())
    return f"""{head}
{vl_top(sections)}
<main class="vl-wrapper">
  <div class="story">
    <div class="story__section" lang="en"><a href="/#{a['section']}">{label}</a></div>
    <h1 class="story__title">{esc(a['title'])}</h1>
    <div class="story__lede">{esc(a['description'])}</div>
    <div class="story__meta">
      <span class="story__credit">{credit}</span><br>
      <span class="story__stamp">{stamp}</span>
    </div>
    <div class="story__content">
{chr(10).join(body)}
    </div>
  </div>
  <div class="sidebar" lang="en">
    <div class="sidebar-box related-stories">
      <h3>Related stories</h3>
      <ul>
{related}
      </ul>
    </div>
    <div class="sidebar-box vl-newsletter">
      <h3>The Ledger Morning Post</h3>
      <p>Valley news in your inbox before breakfast, six days a week.</p>
    </div>
  </div>
</main>
<div class="reader-comments vl-wrapper-wide">
  <h3 lang="en">Reader comments ({len(comments)})</h3>
{comment_html}
</div>
{vl_bottom()}"""


def vl_index(live: list[dict], sections: list[str]) -> str:
    ordered = newest_first(live)
    latest = "\n".join(
        f'      <li><a href="{attr(a["path"])}">{esc(a["title"])}</a></li>' for a in ordered[:5]
    )
    blocks = []
    for s in sections:
        items = "\n".join(
            f'        <li><a href="{attr(a["path"])}"'
            + (f' hreflang="{a["language"]}"' if a["language"] != "en" else "")
            + f'>{esc(a["title"])}</a> <small>{human_date(when(a["published_at"]))}</small></li>'
            for a in ordered
            if a["section"] == s
        )
        blocks.append(
            f'    <div class="home-block" id="{s}">\n      <h2>{SECTION_LABELS[s]}</h2>\n'
            f"      <ul>\n{items}\n      </ul>\n    </div>"
        )
    head = vl_head(
        f"{VL_NAME} - News for the Sorrel Valley",
        "en",
        [("name", "description", "Local news, sport and culture from the Sorrel Valley.")],
        BASE + "/",
    )
    return f"""{head}
{vl_top(sections)}
<main class="vl-wrapper">
  <div class="home-main">
    <div class="home-block home-latest">
      <h2>Latest</h2>
      <ol>
{latest}
      </ol>
    </div>
{chr(10).join(blocks)}
  </div>
  <div class="sidebar">
    <div class="sidebar-box">
      <h3>Notices</h3>
      <p>Family announcements can be placed at the Ledger office on Market Street, Ashbury Cross.</p>
    </div>
  </div>
</main>
{vl_bottom()}"""


def vl_sitemaps(live: list[dict]) -> None:
    halves = {
        "2026-11-a": [a for a in live if when(a["published_at"]).day <= 10],
        "2026-11-b": [a for a in live if when(a["published_at"]).day > 10],
    }
    index_rows = []
    for name, group in sorted(halves.items()):
        group = sorted(group, key=sort_key)
        rows = "\n".join(
            f"  <url>\n    <loc>{esc(url(a['path']))}</loc>\n"
            f"    <lastmod>{a['modified_at'] or a['published_at']}</lastmod>\n  </url>"
            for a in group
        )
        write(
            f"valley-ledger/sitemaps/{name}.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}\n</urlset>",
        )
        latest = max((a["modified_at"] or a["published_at"] for a in group), key=when)
        index_rows.append(
            f"  <sitemap>\n    <loc>{BASE}/sitemaps/{name}.xml</loc>\n"
            f"    <lastmod>{latest}</lastmod>\n  </sitemap>"
        )
    write(
        "valley-ledger/sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(index_rows)
        + "\n</sitemapindex>",
    )


def build_valley(articles: list[dict]) -> None:
    live = [a for a in articles if not a["missing"]]
    sections = [s for s in SECTION_ORDER if any(a["section"] == s for a in live)]
    for a in live:
        write("valley-ledger" + a["path"], vl_article(a, live, sections))
    write("valley-ledger/index.html", vl_index(live, sections))
    vl_sitemaps(live)
    write(
        "valley-ledger/robots.txt",
        f"User-agent: *\nDisallow: /account/\n\nSitemap: {BASE}/sitemap.xml\n",
    )


# --------------------------------------------------------------------------- Northern Courier

NC_NAME = "Northern Courier"
NC_CSS = """body{background:#fff;margin:0;font-family:'Trebuchet MS',sans-serif;color:#111}
#cookie-notice{background:#eef3f8;border-bottom:1px solid #9ab;padding:8px 20px;font-size:13px}
#page{width:960px;margin:0 auto}
#masthead{padding:18px 0;font-size:34px;letter-spacing:.06em;text-transform:uppercase;font-family:Georgia,serif}
#sections{background:#111;margin:0;padding:0}#sections li{display:inline-block}
#sections a{display:block;color:#fff;padding:8px 14px;text-decoration:none}
#content .col-main{width:640px;float:left}#content .col-side{width:280px;float:right}
.byline{font-weight:bold;margin-bottom:0}.dateline{color:#666;margin-top:2px}
.gallery-strip figure{margin:16px 0}.gallery-strip img{width:100%;height:auto;background:#ddd}
.discussion{clear:both;border-top:3px solid #111;margin-top:30px}
.discussion .post{margin:12px 0}.discussion .who{font-weight:bold}
#colophon{clear:both;border-top:1px solid #ccc;margin-top:40px;padding:16px 0;font-size:13px}"""


def nc_head(title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
{NC_CSS}
</style>
</head>"""


def nc_top(sections: list[str], home_link: bool) -> str:
    items = "\n".join(
        f'  <li><a href="/{s}/index.html">{SECTION_LABELS[s]}</a></li>' for s in sections
    )
    brand = '<a href="/">Northern Courier</a>' if home_link else "Northern Courier"
    return f"""<body>
<div id="cookie-notice">
  <span>We use cookies to remember your settings and to count visits. You may accept all cookies or reject those that are not strictly necessary.</span>
  <button type="button" class="js-accept">Accept</button>
  <button type="button" class="js-reject">Reject</button>
</div>
<div id="page">
<div id="masthead">{brand}</div>
<ul id="sections">
{items}
</ul>"""


def nc_bottom(sections: list[str]) -> str:
    links = " &middot; ".join(
        f'<a href="/{s}/index.html">{SECTION_LABELS[s]}</a>' for s in sections
    )
    return f"""<div id="colophon">
  <p>{links}</p>
  <p>&copy; {YEAR} Northern Courier Publishing, Kaiplass 3, Halvik. Reproduction without permission is prohibited.</p>
</div>
</div>
</body>
</html>"""


def nc_article(a: dict, pool: list[dict], sections: list[str]) -> str:
    published = when(a["published_at"])
    modified = when(a["modified_at"]) if a["modified_at"] else None
    if a["authors"]:
        byline = "By " + join_names([esc(n) for n in a["authors"]])
        if a["agency"]:
            byline += f", {esc(a['agency'])}"
    else:
        byline = esc(a["agency"])
    dateline = f"Published {human_date(published)}, {published:%H:%M}"
    if modified:
        dateline += f". Updated {human_date(modified)}, {modified:%H:%M}"
    body = []
    for i, para in enumerate(a["paragraphs"]):
        body.append(f"<p>{esc(para)}</p>")
        if i == 0 and a["gallery"]:
            body.append('<div class="gallery-strip">')
            body.append(figures(a, ""))
            body.append("</div>")
    if a["update_note"]:
        body.append(f'<p class="correction">{esc(a["update_note"])}</p>')
    related = "\n".join(
        f'  <li><a href="{attr(r["path"])}">{esc(r["title"])}</a></li>'
        for r in related_for(a, pool)
    )
    comments = comments_for(a)
    posts = "\n".join(
        f"""<div class="post">
  <span class="who">{esc(name)}</span> <span class="stamp">{human_date(at)} {at:%H:%M}</span>
  <p>{esc(text)}</p>
</div>"""
        for name, at, text in comments
    )
    label = SECTION_LABELS.get(a["section"], a["section"].title())
    return f"""{nc_head(f"{NC_NAME} — {a['title']}")}
{nc_top(sections, home_link=True)}
<div id="content">
<div class="col-main">
<div class="crumb"><a href="/{a['section']}/index.html">{label}</a></div>
<h1>{esc(a['title'])}</h1>
<p class="intro">{esc(a['description'])}</p>
<p class="byline">{byline}</p><p class="dateline">{dateline}</p>
<div class="text">
{chr(10).join(body)}
</div>
</div>
<div class="col-side">
<h4>Related stories</h4>
<ul class="related">
{related}
</ul>
<h4>Most read</h4>
<p class="most-read-placeholder">Loading&hellip;</p>
</div>
<div class="discussion">
<h4>Discussion: {len(comments)} comments</h4>
{posts}
</div>
</div>
{nc_bottom(sections)}"""


SECTION_BLURBS = {
    "world": "Diplomacy, disasters and politics from across the northern seas and beyond.",
    "local": "Halvik: the city, its streets and its people.",
    "business": "Companies, jobs and money in the north.",
    "culture": "Film, music, books and the arts.",
    "sport": "Results and reports.",
}


def nc_index(sections: list[str]) -> str:
    items = "\n".join(
        f'<div class="section-teaser">\n<h2><a href="/{s}/index.html">{SECTION_LABELS[s]}</a></h2>\n'
        f"<p>{SECTION_BLURBS[s]}</p>\n</div>"
        for s in sections
    )
    return f"""{nc_head(f"{NC_NAME} — Independent news from Halvik and the north")}
{nc_top(sections, home_link=False)}
<div id="content">
<div class="col-main">
<p class="welcome">Choose a section to read today's stories.</p>
{items}
</div>
</div>
{nc_bottom(sections)}"""


def nc_section(section: str, live: list[dict], sections: list[str]) -> str:
    items = "\n".join(
        f'<li class="teaser"><a href="{attr(a["path"])}">{esc(a["title"])}</a>'
        f'<br><span class="teaser-text">{esc(a["description"])}</span></li>'
        for a in newest_first(live)
        if a["section"] == section
    )
    label = SECTION_LABELS[section]
    return f"""{nc_head(f"{NC_NAME} — {label}")}
{nc_top(sections, home_link=True)}
<div id="content">
<div class="col-main">
<h1 class="section-title">{label}</h1>
<ul class="teasers">
{items}
</ul>
</div>
</div>
{nc_bottom(sections)}"""


def build_courier(articles: list[dict]) -> None:
    live = [a for a in articles if not a["missing"]]
    sections = [s for s in SECTION_ORDER if any(a["section"] == s for a in live)]
    for a in live:
        expected = f"/{a['section']}/"
        if not a["path"].startswith(expected):
            raise SystemExit(f"northern-courier paths must start with {expected}: {a['path']}")
        write("northern-courier" + a["path"], nc_article(a, live, sections))
    write("northern-courier/index.html", nc_index(sections))
    for s in sections:
        write(f"northern-courier/{s}/index.html", nc_section(s, live, sections))
    write("northern-courier/robots.txt", "User-agent: *\nDisallow: /admin/\n")


# --------------------------------------------------------------------------- main


def main() -> None:
    articles = load()
    if SITE.exists():
        shutil.rmtree(SITE)
    by_outlet = {name: [a for a in articles if a["outlet"] == name] for name in OUTLET_NAMES}
    build_harbor(by_outlet["harbor-herald"])
    build_valley(by_outlet["valley-ledger"])
    build_courier(by_outlet["northern-courier"])
    files = sorted(p for p in SITE.rglob("*") if p.is_file())
    print(f"wrote {len(files)} files under {SITE.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
