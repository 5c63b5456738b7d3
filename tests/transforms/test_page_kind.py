"""Know what a page is before calling it an article, and what its publisher allows: walls,
shells, challenges and not-found pages are held back by name; a teaser loads flagged; the
robots decision, directives and licence are recorded. Each case is built the way the
vendors and frameworks make them, not after one site."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.acquire.fetching import Fetcher, FetchPolicy
from transforms.extract import ExtractionError, extract_article
from transforms.page_kind import challenge_marker

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PARAGRAPH = (
    "The harbour council met on Tuesday evening to discuss the ferry timetable, the price of "
    "tickets and the state of the old pier, which residents say has been neglected for years."
)


def page(body: str, head: str = "", title: str = "Ferry fares rise") -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    ).encode()


def article(paragraphs: int = 6, extra: str = "") -> str:
    return (
        "<article><h1>Ferry fares rise</h1>"
        + f"<p>{PARAGRAPH}</p>" * paragraphs
        + extra
        + "</article>"
    )


def test_a_plain_article_is_an_article_with_no_flags():
    record = extract_article(page(article()), "https://news.test/a", NOW)
    assert record.is_paywalled is False
    assert (record.robots_directives, record.license_url) == (None, None)


def test_json_ld_not_free_loads_as_a_flagged_teaser():
    jsonld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry fares '
        'rise", "isAccessibleForFree": "False", "hasPart": {"@type": "WebPageElement", '
        '"isAccessibleForFree": "False", "cssSelector": ".paywall"}}</script>'
    )
    record = extract_article(page(article(), jsonld), "https://paper.test/a", NOW)
    assert record.is_paywalled is True


def test_a_short_text_beside_a_subscribe_prompt_is_a_teaser():
    prompt = (
        "<div class='gate'><h3>Subscribe now to keep reading</h3>"
        "<p>Already a subscriber? Sign in.</p></div>"
    )
    record = extract_article(page(article(3, prompt)), "https://blog.test/b", NOW)
    assert record.is_paywalled is True


WALL = (
    "<div id='onetrust-consent-sdk'><h2>We value your privacy</h2><p>We and our partners "
    "use cookies and similar tracking technologies to store and access information on "
    "your device, for personalised ads and content, ad and content measurement, audience "
    "insights and product development. With your consent, we and our partners may use "
    "precise geolocation data. Click Accept all to consent, Reject all to decline, or "
    "Manage preferences to choose. You can change your consent at any time in our privacy "
    "and cookie policy.</p><button>Accept all</button><button>Reject all</button></div>"
)
SHELL = (
    '<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>'
    '<script src="/static/js/main.3f2a.js"></script>'
)
MISSING = (
    "<main><h1>Page not found</h1><p>Sorry, the page you were looking for may have been "
    "moved, renamed or deleted, or it may never have existed. Try the search box above, "
    "go back to the home page, or browse our latest stories and most read articles from "
    "across the newsroom, updated every few minutes throughout the day.</p></main>"
)


@pytest.mark.parametrize(
    ("body", "title", "kind"),
    [
        (WALL, "Consent", "consent_wall"),
        (SHELL, "News", "javascript_shell"),
        (MISSING, "Page not found | Valley Times", "soft_404"),
    ],
    ids=["consent wall", "javascript shell", "soft 404"],
)
def test_a_page_that_is_not_an_article_is_held_back_by_its_kind(body, title, kind):
    with pytest.raises(ExtractionError, match=rf"^{kind} \("):
        extract_article(page(body, title=title), "https://portal.test/c", NOW)


def test_rights_directives_for_all_crawlers_or_gazette_and_a_declared_licence():
    head = (
        '<meta name="robots" content="index, follow, max-image-preview:large, nosnippet">'
        '<link rel="license" href="https://creativecommons.org/licenses/by-nd/4.0/">'
    )
    headers = {"X-Robots-Tag": "otherbot: noindex, gazette: noarchive"}
    record = extract_article(
        page(article(), head), "https://cc.test/a", NOW, headers=headers, robots_decision="allowed"
    )
    assert record.robots_directives == "noarchive,nosnippet"  # otherbot's noindex is not ours
    assert record.license_url == "https://creativecommons.org/licenses/by-nd/4.0/"
    assert record.robots_decision == "allowed"
    jsonld = (
        '<script type="application/ld+json">{"@type": "Article", "headline": "Ferry fares '
        'rise", "license": {"@id": "https://example.org/terms"}}</script>'
    )
    assert extract_article(page(article(), jsonld), "https://j.test/a", NOW).license_url == (
        "https://example.org/terms"
    )


def test_a_licence_is_read_from_the_page_s_elements_not_its_comments_or_scripts():
    """A template's commented-out link and a script's string are not the page's licence;
    a rel that names it among other words is."""
    head = (
        '<!-- <link rel="license" href="https://old.example/licence"> -->'
        '<script>var tpl = \'<a rel="license" href="https://tpl.example/cc">\';</script>'
    )
    body = article() + (
        '<footer><a rel="noopener License" href=" https://creativecommons.org/licenses/by/4.0/ ">'
        "CC BY</a></footer>"
    )
    record = extract_article(page(body, head), "https://cc.test/b", NOW)
    assert record.license_url == "https://creativecommons.org/licenses/by/4.0/"


def test_challenge_pages_are_known_by_their_body_not_only_their_status():
    cloudflare = b"<html><head><title>Just a moment...</title></head><body><div id='cf-chl-widget'>"
    assert challenge_marker(503, cloudflare) == "just a moment..."
    assert challenge_marker(403, b"<script src='https://ct.captcha-delivery.com/c.js'></script>")
    assert challenge_marker(403, b"<h1>Forbidden</h1>") is None  # a plain 403 stays an http_error
    assert challenge_marker(200, cloudflare) is None


def test_the_fetch_records_the_robots_decision_and_a_challenge(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
    site.add("/a.html", page(article()).decode())
    site.add("/gate.html", "<title>Attention Required! | Cloudflare</title>", status=403)
    policy = FetchPolicy(user_agent="gazette-test/0", per_host_delay_s=0, allow_private_hosts=True)
    with Fetcher(policy) as fetcher:
        ok = fetcher.get(site.url("/a.html"), "article")
        gate = fetcher.get(site.url("/gate.html"), "article")
    assert (ok.outcome, ok.robots_decision) == ("ok", "allowed")
    assert (gate.outcome, gate.status) == ("bot_challenge", 403)
    unchecked = FetchPolicy(
        user_agent="gazette-test/0",
        per_host_delay_s=0,
        allow_private_hosts=True,
        respect_robots=False,
    )
    with Fetcher(unchecked) as fetcher:
        assert fetcher.get(site.url("/a.html"), "article").robots_decision == "not_checked"


def test_short_articles_about_privacy_or_named_404_are_still_articles():
    """A brief about a privacy fine has the consent words but not the wall's buttons; a
    publication called 404 Media, or a headline with "not found" in it, is no not-found page."""
    brief = (
        "<article><h1>Regulator fines app over tracking</h1><p>The data regulator fined the "
        "app maker for tracking users without valid consent. Its cookies and its partners' "
        "trackers ran before anyone agreed, the privacy watchdog said, and the consent banner "
        "misled users about what they accepted. The firm said it would appeal.</p></article>"
    )
    record = extract_article(page(brief, title="Regulator fines app"), "https://t.test/a", NOW)
    assert record.title
    for title, headline in (
        ("Inside the AI slop factory | 404 Media", "Inside the AI slop factory"),
        ("Hiker: body not found after three days", "Search for missing hiker: body not found"),
    ):
        body = article().replace("<h1>Ferry fares rise</h1>", f"<h1>{headline}</h1>")
        assert extract_article(page(body, title=title), "https://m.test/b", NOW).title


def test_an_agents_directives_run_to_the_next_agent():
    headers = {"X-Robots-Tag": "otherbot: noindex, nofollow, gazette: noarchive"}
    head = (
        '<meta name="robots" content="index, max-snippet:-1, max-image-preview:large, nosnippet">'
    )
    record = extract_article(page(article(), head), "https://x.test/a", NOW, headers=headers)
    assert record.robots_directives == "noarchive,nosnippet"
