"""The closed sets of values the pipeline writes into coded columns, each defined once.

The code that produces a value uses these names; the expectation suites check the marts
against the same tuples, so a new value is added here or the run fails on it.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

FetchOutcome = Literal[
    "ok",
    "not_modified",
    "http_error",
    "timeout",
    "too_large",
    "not_html",
    "robots_disallowed",
    "private_address",
    "redirect_loop",
    "connection_error",
    "empty",
    "invalid_url",
    "parse_error",  # fetched whole, but the parser had to give part of it up (feeds, sitemaps)
    "bot_challenge",  # a 403/429/503 whose body is a bot challenge, not an error page
]
FETCH_OUTCOMES: Final[tuple[FetchOutcome, ...]] = get_args(FetchOutcome)
"""fact_fetch.outcome: every HTTP attempt, refusals included, ends in exactly one of these."""

OUTCOME_OK: Final = "ok"
OUTCOME_NOT_MODIFIED: Final = "not_modified"
OUTCOME_HTTP_ERROR: Final = "http_error"
OUTCOME_TIMEOUT: Final = "timeout"
OUTCOME_TOO_LARGE: Final = "too_large"
OUTCOME_NOT_HTML: Final = "not_html"
OUTCOME_ROBOTS_DISALLOWED: Final = "robots_disallowed"
OUTCOME_PRIVATE_ADDRESS: Final = "private_address"
OUTCOME_REDIRECT_LOOP: Final = "redirect_loop"
OUTCOME_CONNECTION_ERROR: Final = "connection_error"
OUTCOME_EMPTY: Final = "empty"
OUTCOME_INVALID_URL: Final = "invalid_url"
OUTCOME_BOT_CHALLENGE: Final = "bot_challenge"
OUTCOME_PARSE_ERROR: Final = "parse_error"

# Why a page may be given up until it changes: the same bytes would fail the same way, so a
# refetch without a sign of change (validators, a newer sitemap lastmod, --refresh) is waste.
# The reasons extraction quarantines a page with (their beginnings), and fetch outcomes.
PERMANENT_EXTRACT_REASONS: Final = (
    "too little text",
    "not parseable as HTML",
    "no title",
    "consent_wall",  # what used to be too little text, by its kind (transforms/page_kind.py)
    "javascript_shell",
    "soft_404",
)
PERMANENT_OUTCOMES: Final = ("not_html",)

EntityType = Literal["PERSON", "ORG", "LOCATION", "NORP"]
ENTITY_TYPES: Final[tuple[EntityType, ...]] = get_args(EntityType)
"""dim_entity.entity_type: spaCy's coarse labels (GPE, LOC and FAC fold into LOCATION)."""

CountType = Literal[
    "KILL", "WOUND", "ARREST", "KIDNAP", "DISPLACE", "ATTACK", "PROTEST", "AFFECT", "JOBS"
]
COUNT_TYPES: Final[tuple[CountType, ...]] = get_args(CountType)
"""fact_count.count_type (or null: a number no event word explains), GDELT-like event kinds."""

AuthorType = Literal["person", "organisation"]
AUTHOR_TYPES: Final[tuple[AuthorType, ...]] = get_args(AuthorType)
"""dim_author.author_type: bylines name people and organisations (agencies, desks, the site)."""

AUTHOR_PERSON: Final = "person"
AUTHOR_ORGANISATION: Final = "organisation"

QuoteKind = Literal["direct", "reported"]
QUOTE_KINDS: Final[tuple[QuoteKind, ...]] = get_args(QuoteKind)
"""fact_quote.quote_kind: words in quotation marks, or speech reported as "X said"."""

QUOTE_DIRECT: Final = "direct"
QUOTE_REPORTED: Final = "reported"

EncodingSource = Literal[
    "bom",
    "http_header",
    "meta",
    "xml_declaration",
    "valid_utf8",
    "mixed",
    "windows_1252",
    "detected",
    "replaced",
]
ENCODING_SOURCES: Final[tuple[EncodingSource, ...]] = get_args(EncodingSource)
"""fact_article.encoding_source: what decided a page's encoding (transforms/encoding.py, in
the order it asks): a byte-order mark, the HTTP charset, <meta charset>, an XML declaration,
bytes that are valid UTF-8, UTF-8 with stray windows-1252 bytes, windows-1252 because the
bytes decode under it, charset_normalizer's guess, UTF-8 with replacement characters."""

RobotsDecision = Literal["allowed", "no_rules", "not_checked"]
ROBOTS_DECISIONS: Final[tuple[RobotsDecision, ...]] = get_args(RobotsDecision)
"""fact_article.robots_decision: robots.txt's rules allowed the URL; the host had no rules (no
robots.txt, or a 4xx for it: RFC 9309); or the config turned robots.txt off."""
ROBOTS_ALLOWED: Final = "allowed"
ROBOTS_NO_RULES: Final = "no_rules"
ROBOTS_NOT_CHECKED: Final = "not_checked"
