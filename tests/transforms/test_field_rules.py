"""General rules for the fields of pages we have never seen (issue 35): who wrote it, when it
was published, and whether it is an article at all. Every page here is written for the test,
the way templates in many countries make them, not after one site."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from transforms.authors import is_organisation, parse_byline
from transforms.extract import ExtractionError, extract_article, failed_pass, worse_rerun
from transforms.metadata import parse_html, visible_bylines

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
PARAGRAPH = (
    "The river authority opened the new flood barrier on Monday after three years of work, "
    "and engineers said it would protect some four thousand homes in the lower town."
)
BODY = "".join(f"<p>{PARAGRAPH} Witness {i} agreed.</p>" for i in range(6))


def page(body: str, head: str = "", title: str = "Flood barrier opens") -> bytes:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"{head}</head><body>{body}</body></html>"
    ).encode()


def extract(body: str, head: str = "", url: str = "https://riverside.example/news/barrier"):
    return extract_article(page(body, head), url, NOW)


# -- authors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "site", "people", "orgs"),
    [
        ("Ирина Петрова", "Вестник", ["Ирина Петрова"], []),
        ("Автор: Олег Смирнов", "Вестник", ["Олег Смирнов"], []),
        ("Редакция", "Вестник", [], ["Редакция"]),
        ("山田太郎", "東京新聞", ["山田太郎"], []),
        ("山田太郎記者", "東京新聞", ["山田太郎"], []),
        ("新华社记者 张三", "某报", ["张三"], ["新华社"]),
        ("김민준", "한겨레", ["김민준"], []),
        ("이서연 기자", "한겨레", ["이서연"], []),
        ("연합뉴스", "한겨레", [], ["연합뉴스"]),
        ("بقلم أحمد محمود", "الجزيرة", ["أحمد محمود"], []),
        ("Ελένη Παππά", "Καθημερινή", ["Ελένη Παππά"], []),
    ],
)
def test_names_in_every_script_stay_people_and_desks_stay_organisations(byline, site, people, orgs):
    assert parse_byline(byline, {site}) == (people, orgs)


def test_a_name_is_the_site_only_when_their_letters_agree_in_any_script():
    assert not is_organisation("Ирина Петрова", {"Вестник"})
    assert not is_organisation("山田太郎", {"東京新聞"})
    assert is_organisation("Вестник", {"ВЕСТНИК"})
    assert is_organisation("KQED", {"kqed.org"})


@pytest.mark.parametrize(
    ("byline", "people", "orgs"),
    [
        ("Posted on", [], []),
        ("Published by Marta Kowalska", ["Marta Kowalska"], []),
        ("Von", [], []),
        ("Pieter de Vries Follow", ["Pieter de Vries"], []),
        ("Publiziert am 3. Mai 2024", [], []),
        ("Autor: Jonas Weber", ["Jonas Weber"], []),
        ("Quelle: kna", [], ["kna"]),
        ("Red.", [], ["Red"]),
        ("Agenturen", [], ["Agenturen"]),
        ("Gesponserte Inhalte", [], ["Gesponserte Inhalte"]),
        # other work on the article is not its authorship
        ("By Nora Lind. Reviewed by Dr. Paul Kim, MD", ["Nora Lind"], []),
        ("Medically reviewed by Paul Kim", [], []),
        ("Fact-checked by Ola Berg", [], []),
        # capitals after a name are credentials by their shape, not from a list
        ("Hannah Cole MBE FRCGP", ["Hannah Cole"], []),
        ("Hannah Cole, FRCPCH", ["Hannah Cole"], []),
        ("BY HANNAH COLE", ["Hannah Cole"], []),
    ],
)
def test_labels_and_roles_are_never_names(byline, people, orgs):
    assert parse_byline(byline) == (people, orgs)


@pytest.mark.parametrize(
    ("byline", "people", "orgs"),
    [
        # a typographic separator between a name and a role, as · and • already were
        ("Ines Prado \u22c5 Founder", ["Ines Prado"], []),
        ("Ines Prado \u2219 Co-founder", ["Ines Prado"], []),
        # a role on its own is no one, and no desk either
        ("By Tomasz Nowak, Staff Reporter", ["Tomasz Nowak"], []),
        ("Staff Writer", [], ["Staff Writer"]),  # alone: the generic credit stays
        # a person and her role is a person, not a desk ("staff" is a desk's word)
        ("Lena Berg \u2014 Senior Staff Writer", ["Lena Berg"], []),
        ("Kofi Mensah, CEO of Harbour Labs", ["Kofi Mensah"], []),
        # an author box's bio line is not a name
        ("Rafael Ortiz is a freelance reporter covering energy", [], []),
        # after a comma, everything up to a role noun is the role, "and" included
        ("By Oskar Lind, Energy and Climate Correspondent", ["Oskar Lind"], []),
        ("Mia Chen, Harbour Post Politics Writer; Ravi Das", ["Mia Chen", "Ravi Das"], []),
        # a qualification in words is what the author is, not who
        ("Nora Lind, Certified Personal Trainer; M.A. Sports Science", ["Nora Lind"], []),
        ("Licensed Marine Pilot; B.Sc. Oceanography", [], []),
        ("Ma Long and MS Dhoni", ["Ma Long", "MS Dhoni"], []),  # names, not degrees
        # a paid-content badge after the credit is no part of it
        ("Harbour Gazette Sponsored Content", [], ["Harbour Gazette"]),
        ("Lena Berg Anzeige", ["Lena Berg"], []),
        # a role in a block of its own after the name's, as after a comma
        ("By Oskar Lind | Energy and Climate Correspondent", ["Oskar Lind"], []),
        ("Oskar Lind | Senior Data Engineer", ["Oskar Lind"], []),
        # a byline's section and a template's empty value are no one
        ("Oskar Lind | in Sports | 4 May", ["Oskar Lind"], []),
        ("undefined", [], []),
        # a date label takes its own block only, not the name after it; a badge
        ("Last Updated: 2025-02-22 | By Ines Prado | Fact Checked", ["Ines Prado"], []),
        # a phrase with a lower-case word is no name; a title's small words make a column
        ("Learning kate", [], []),
        ("by ana ruiz and tom lee", ["Ana Ruiz", "Tom Lee"], []),  # all lower case: names
        ("By Jane Smith via Reuters", ["Jane Smith"], ["Reuters"]),
        ("Ahmet Yılmaz ve Mehmet Kaya", ["Ahmet Yılmaz", "Mehmet Kaya"], []),
        ("Corresponsal en Washington", [], []),  # a role and a place, no one
        ("About the", [], []),
        ("Ask the Gardeners", [], ["Ask the Gardeners"]),
        # what stays: desks, and names with their particles
        ("Harbour Gazette Staff", [], ["Harbour Gazette Staff"]),
        (
            "Maria de la Cruz and Mohammed bin Salman",
            ["Maria de la Cruz", "Mohammed bin Salman"],
            [],
        ),
    ],
)
def test_roles_beside_a_name_are_cut_and_alone_name_no_one(byline, people, orgs):
    assert parse_byline(byline) == (people, orgs)


@pytest.mark.parametrize(
    ("byline", "person"),
    [
        ("Ana Ruiz | Redactora", "Ana Ruiz"),
        ("Von Hans Meier, Redakteur", "Hans Meier"),
        ("João Silva | Repórter", "João Silva"),
        ("Marie Dupont | Journaliste", "Marie Dupont"),
        ("Giulia Rossi | Inviata", "Giulia Rossi"),
        ("Иван Петров | Корреспондент", "Иван Петров"),
        ("Anna Kowalska | Dziennikarka", "Anna Kowalska"),
        # before the name, as German and Dutch bylines print it, the name stays
        ("Redakteurin Anna Schmidt", "Anna Schmidt"),
        ("Von Professor Dr. Hans Meier", "Dr. Hans Meier"),
        # a label in the page's language
        ("Escrito por Ana Ruiz", "Ana Ruiz"),
        ("Gepubliceerd door Jan de Vries", "Jan de Vries"),
        ("A cura di Mario Rossi", "Mario Rossi"),
        ("Γράφει ο Γιώργος Παπαδόπουλος", "Γιώργος Παπαδόπουλος"),
        ("Корреспондент Иван Петров", "Иван Петров"),
    ],
)
def test_a_role_in_the_pages_language_is_no_second_name(byline, person):
    """Set apart from the name in a block of its own, a role keeps its capital: the trade's
    words in the languages we meet are roles, as "Reporter" is."""
    assert parse_byline(byline) == ([person], [])


@pytest.mark.parametrize(
    "name",
    [
        "van der Berg",
        "María de los Ángeles Pérez",
        "Johan van den Berg",
        "Carla degli Esposti",
        "Ana da Silva e Costa",
        "Ilse op de Beeck",
        "Ahmed ben Ali",
        "Abd al-Rahman Hassan",
        "Omar el-Sayed",
        "Jean d'Ormesson",
        "Marco dell'Acqua",
        "Siti binti Ahmad",
        "Rhun ap Iorwerth",
        "Nguyễn thị Minh Khai",
        "Sophie in 't Veld",
        "Karel van het Reve",
        "Thomas à Kempis",
        "Sabine am Orde",
        "Fazl ur Rehman",
        "Halimah binte Yacob",
        "Tamim bin Hamad ath-Thani",
        "dr. Anna de Vries",
        "Dan Brown",
    ],
)
def test_the_particles_of_names_in_many_languages_keep_them_names(name):
    """A name's lower-case words are its particles, not a phrase's ("Cite this Webpage")."""
    assert parse_byline(name) == ([name], [])


def test_a_meta_author_that_is_the_sites_brand_is_an_organisation():
    head = '<meta name="author" content="KVLR"><meta property="og:site_name" content="KVLR.com">'
    record = extract(f"<article><h1>Flood barrier opens</h1>{BODY}</article>", head)
    assert (list(record.authors), list(record.organisations)) == ([], ["KVLR"])


def test_an_organisation_is_named_once_whatever_its_case():
    head = '<meta name="author" content="kvlr"><meta property="og:site_name" content="KVLR.com">'
    body = f"<article><h1>Flood barrier opens</h1><p class='byline'>By KVLR</p>{BODY}</article>"
    record = extract(body, head)
    assert (list(record.authors), list(record.organisations)) == ([], ["KVLR"])


def test_a_byline_in_a_layout_that_has_a_sidebar_is_still_the_byline():
    body = (
        "<div class='page has-sidebar'><article><h1>Flood barrier opens</h1>"
        "<address>By Lotte Jansen</address>"
        f"{BODY}</article><aside class='sidebar'><p class='author'>By Tom Otto</p></aside></div>"
    )
    assert list(extract(body).authors) == ["Lotte Jansen"]


@pytest.mark.parametrize(
    "layout",
    [
        "<body class='two-sidebars'>{}</body>",  # a theme's word for the page
        "<div class='content-sidebar-wrap'>{}</div>",  # the wrapper of content and sidebar
        "<div id='footer-push'>{}</div>",  # a sticky footer's wrapper holds the whole page
    ],
)
def test_what_holds_the_headline_is_layout_not_a_sidebar_the_byline_sits_in(layout):
    """A sidebar beside the article still hides its bylines; a name that holds the article
    and its headline as well is the page's layout."""
    inner = (
        "<main><article><h1>Flood barrier opens</h1>"
        "<p class='entry-meta'>Posted by <span class='entry-author'>Saoirse Byrne</span></p>"
        f"{BODY}</article></main>"
        "<aside class='sidebar'><p class='author'>By Tom Otto</p></aside>"
    )
    assert list(extract(layout.format(inner)).authors) == ["Saoirse Byrne"]


@pytest.mark.parametrize("footer", ["entry-footer", "post-footer", "article_footer"])
def test_the_articles_own_footer_holds_its_byline_the_sites_does_not(footer):
    body = (
        f"<article><h1>Flood barrier opens</h1>{BODY}"
        f"<div class='{footer}'><span class='meta-author'>Wiebke Haas</span></div></article>"
        "<div class='site-footer'><p class='author-credit'>Theme by Olaf Brenner</p></div>"
    )
    tree = parse_html(page(body))
    assert visible_bylines(tree, tree.find(".//h1")) == ["Wiebke Haas"]


@pytest.mark.parametrize(
    ("byline", "people", "orgs"),
    [
        ("AFP, Paris, 3 March 2026", [], ["AFP"]),
        ("Associated Press, Kyiv", [], ["Associated Press"]),
        ("By Ana Ruiz, Madrid", ["Ana Ruiz"], []),  # after a person, as before
        ("Reuters; Jordan Peel", ["Jordan Peel"], ["Reuters"]),  # a name of two words stays
        ("Lyon,", [], []),  # a place alone, with a dateline's comma
        ("Florence", ["Florence"], []),  # a first name alone that is also a place stays
    ],
)
def test_a_place_after_an_agency_or_before_a_comma_is_a_dateline_not_a_person(byline, people, orgs):
    assert parse_byline(byline) == (people, orgs)


def test_the_byline_nearest_the_headline_wins_over_a_card_above_it():
    body = (
        "<div class='promo'><p class='byline'>By Karl Brandt</p><p>Read the earlier story</p></div>"
        + "<nav>"
        + "<a href='/x'>Section</a>" * 30
        + "</nav>"
        + "<article><h1>Flood barrier opens</h1><p class='byline'>By Ines Moreau</p>"
        f"{BODY}</article>"
    )
    assert list(extract(body).authors) == ["Ines Moreau"]


@pytest.mark.parametrize(
    ("byline", "people", "orgs"),
    [
        # a name, then its role, each in an element of its own: two lines on the page
        (
            "<div>By <a href='/p/ana-ruiz'>Ana Ruiz</a></div><div>Senior Correspondent</div>",
            ["Ana Ruiz"],
            [],
        ),
        # a reviewer in the next block is not an author, though the blocks touch
        (
            "<div>Written by <span>Riverside Post</span></div><div>Staff Writer</div>"
            "<div>Reviewed by Li Wei</div><div>Expert Reviewer</div>",
            [],
            ["Riverside Post"],
        ),
        # an agency's name in capitals after the last author's, in a block of its own
        (
            "<span>By ANA RUIZ and TOM LEE</span><div>Riverside Wire</div>",
            ["Ana Ruiz", "Tom Lee"],
            ["Riverside Wire"],
        ),
        # a role of several words in the next block ("Life and Trends" is no second name)
        (
            "<div>By Ana Ruiz</div><div>Senior Life and Trends Reporter</div>",
            ["Ana Ruiz"],
            [],
        ),
        # the reading time and the update label in blocks of their own
        (
            "<div>Ana Ruiz</div><div>Last update:</div><div>July 16, 2025</div>"
            "<div>5</div><div>mins read</div>",
            ["Ana Ruiz"],
            [],
        ),
    ],
)
def test_a_bylines_blocks_are_read_apart(byline, people, orgs):
    """A name and the role, agency, date or reviewer after it in blocks of their own read as
    separate lines, as the reader sees them, not as one run ("Ana RuizSenior
    Correspondent", "Staff WriterReviewed by Li Wei")."""
    record = extract(
        f"<article><h1>Flood barrier opens</h1><div class='byline'>{byline}</div>{BODY}"
    )
    assert list(record.authors) == people
    assert set(orgs) <= set(record.organisations)
    assert not any(name in o for o in record.organisations for name in people)


# -- dates --------------------------------------------------------------------------------


def test_a_reading_time_is_not_a_date():
    body = (
        "<article><h1>Flood barrier opens</h1><time datetime='PT7M'>7 min read</time>"
        f"<time datetime='2026-03-04T09:00:00+01:00'>4 March 2026</time>{BODY}</article>"
    )
    record = extract(body)
    assert record.published_local_date == date(2026, 3, 4)
    assert record.published_at_source == "time_element"


def test_an_updated_time_is_the_modification_and_originally_published_wins():
    body = (
        "<article><h1>Flood barrier opens</h1>"
        "<p>Updated <time datetime='2026-01-16T10:00:00Z'>Jan 16</time></p>"
        f"{BODY}</article>"
    )
    head = '<meta property="article:published_time" content="2026-01-02T08:00:00+00:00">'
    assert extract(body, head).published_local_date == date(2026, 1, 2)
    republished = (
        "<article><h1>Flood barrier opens</h1>"
        "<p class='dateline'>Originally published 3 September 2024</p>"
        f"{BODY}</article>"
    )
    record = extract(republished, '<meta property="article:published_time" content="2026-01-16">')
    assert record.published_local_date == date(2024, 9, 3)
    assert record.published_at_source == "text_original"


def test_a_date_in_a_list_of_teaser_cards_is_not_the_articles():
    cards = "".join(
        f"<li class='card'><a href='/s{i}'>Story {i}</a><time datetime='2025-0{i}-01'>x</time></li>"
        for i in range(1, 5)
    )
    body = (
        f"<main><ul class='strip'>{cards}</ul><h1>Flood barrier opens</h1>"
        f"<time datetime='2026-05-20T07:30:00+02:00'>20 May</time>{BODY}</main>"
    )
    assert extract(body).published_local_date == date(2026, 5, 20)


def test_the_publishers_day_is_kept_when_a_utc_stamp_falls_on_the_day_before():
    head = '<meta property="article:published_time" content="2026-02-09T23:30:00Z">'
    record = extract(
        f"<article><h1>Flood barrier opens</h1>{BODY}</article>",
        head,
        url="https://riverside.example/2026/02/10/barrier",
    )
    assert record.published_local_date == date(2026, 2, 10)
    assert record.published_at == datetime(2026, 2, 9, 23, 30, tzinfo=UTC)


# -- pages that are not articles ----------------------------------------------------------


NOTICE = (
    "This site works best with JavaScript enabled. Please enable JavaScript in your "
    "browser settings to read our journalism, watch videos and take part in the "
    "conversation. If you cannot enable JavaScript, try our text-only edition instead, "
    "which carries the day's main headlines."
)
# a shell whose <noscript> notice is longer than the minimum text an article needs
SHELL = (
    f"<noscript><p>{NOTICE}</p><p>{NOTICE}</p></noscript><div id='app'></div>"
    "<script>window.__STATE__ = {};</script>"
)
# a wall whose choices are buttons, which extractors drop
WALL = (
    "<div class='cmp'><h2>Your choices about cookies</h2><p>We and our partners store "
    "and read cookies on your device to show personalised ads, measure audiences and "
    "improve our services. You can give or withdraw your consent at any time, and find "
    "out more in our privacy policy.</p>"
    "<button>Accept all</button><button>Reject all</button>"
    "<button>Manage preferences</button></div>"
)


@pytest.mark.parametrize(("body", "kind"), [(SHELL, "javascript_shell"), (WALL, "consent_wall")])
def test_a_page_is_known_by_its_tree_not_by_its_extracted_text(body, kind):
    with pytest.raises(ExtractionError, match=rf"^{kind} \("):
        extract(body)


def test_a_utc_stamp_does_not_override_the_day_the_page_shows():
    head = (
        '<script type="application/ld+json">{"@type": "BlogPosting", "headline": "Flood '
        'barrier opens", "datePublished": "2026-04-03T02:10:00.000Z"}</script>'
    )
    body = (
        "<article><h1>Flood barrier opens</h1><p class='post-date'>2 April 2026</p>"
        f"{BODY}</article>"
    )
    record = extract(body, head)
    assert record.published_local_date == date(2026, 4, 2)
    assert record.published_at_source.startswith("jsonld: a UTC stamp")


# -- text: when a first pass failed, and when its rerun is worse --------------------------

SECTIONS = [f"{name} news" for name in ("World", "Local", "Sport", "Money", "Arts", "Food")]
SECTIONS += ["Weather", "Puzzles", "Letters", "Podcasts", "Video", "Obituaries", "Travel"]
SECTIONS += ["Books", "Music", "Film"]
MENU_PAGE = (
    "<html><body><nav>"
    + "".join(f"<a href='/{i}'>{name}</a>" for i, name in enumerate(SECTIONS))
    + f"</nav><article><h1>Flood barrier opens</h1>{BODY}</article></body></html>"
)


def test_a_first_pass_that_is_the_sites_menu_is_a_failed_pass():
    tree = parse_html(MENU_PAGE)
    menu = "\n".join(SECTIONS)
    article = "\n".join(f"{PARAGRAPH} Witness {i} agreed." for i in range(6))
    assert failed_pass(menu, tree, held=0) == "first pass was 100% link text"  # few <p>
    assert failed_pass(article, tree, held=len(article)) is None


def test_a_rerun_of_page_chrome_loses_to_the_first_pass():
    tree = parse_html(MENU_PAGE)
    article = "\n".join(f"{PARAGRAPH} Witness {i} agreed." for i in range(2))
    chrome = article + "\n" + "\n".join(SECTIONS * 4) + "\nSubscribe\nSign in\nShare"
    assert worse_rerun(article, chrome, tree) == "the full pass was link text"
    assert worse_rerun(article, article + "\n" + PARAGRAPH, tree) is None


def test_a_dateline_a_day_off_from_an_afternoon_utc_stamp_does_not_move_it():
    """16:50Z on the 3rd is the 3rd in every time zone but a few Pacific ones: a visible
    "2 April" beside it is another date (an event's, a template's), not the publisher's day."""
    head = '<meta property="article:published_time" content="2026-04-03T16:50:00+00:00">'
    body = (
        "<article><h1>Flood barrier opens</h1><p class='post-date'>2 April 2026</p>"
        f"{BODY}</article>"
    )
    assert extract(body, head).published_local_date == date(2026, 4, 3)


# -- titles -------------------------------------------------------------------------------


def test_a_breadcrumb_in_the_h1_is_not_the_headline():
    head = '<meta property="og:title" content="Tidal model predicts barrier closures">'
    record = extract(f"<main><h1>Earth Science &gt; Hydrology</h1>{BODY}</main>", head)
    assert (record.title, record.title_source) == (
        "Tidal model predicts barrier closures",
        "og",
    )


def test_the_sites_domain_before_the_headline_is_not_part_of_it():
    body = f"<article><h1>riverside.example Flood barrier opens</h1>{BODY}</article>"
    assert extract(body).title == "Flood barrier opens"


def test_a_suffix_that_repeats_the_urls_section_is_not_part_of_the_headline():
    head = '<meta property="og:title" content="Flood barrier opens on time | Lower Town">'
    record = extract(BODY, head, url="https://riverside.example/lower-town/2026/barrier-opens")
    assert record.title == "Flood barrier opens on time"
    # the same words with no such section in the URL are the headline's own
    record = extract(BODY, head, url="https://riverside.example/news/barrier-opens")
    assert record.title == "Flood barrier opens on time | Lower Town"


@pytest.mark.parametrize(
    "h1",
    [
        "Read how the river authority planned, funded and built the barrier, what it cost, who "
        "it protects and what engineers expect of it in the decades to come. Updated weekly.",
        "A word from the chair of the river authority:",
    ],
)
def test_an_h1_that_is_a_blurb_or_a_label_gives_way_to_the_declared_headline(h1):
    head = '<meta property="og:title" content="Flood barrier opens after three years">'
    record = extract(f"<article><h1>{h1}</h1>{BODY}</article>", head)
    assert (record.title, record.title_source) == (
        "Flood barrier opens after three years",
        "og",
    )


def test_a_bar_in_the_h1_ends_the_headline():
    body = (
        f"<article><h1>Flood barrier opens after three years | What it means</h1>{BODY}</article>"
    )
    assert extract(body).title == "Flood barrier opens after three years"


def test_scholarly_citation_authors_are_surname_comma_given_one_tag_each():
    head = (
        '<meta name="citation_author" content="Okafor, Chidi">'
        '<meta name="citation_author" content="van der Berg, Anna Maria">'
    )
    record = extract(f"<article><h1>Flood barrier opens</h1>{BODY}</article>", head)
    assert list(record.authors) == ["Chidi Okafor", "Anna Maria van der Berg"]


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        # a comment between two links: the words after it are still read
        (
            "By <a href='/a/ana'>Ana Ruiz</a><!-- sep --> and <a href='/a/tom'>Tom Lee</a>",
            "By Ana Ruiz and Tom Lee",
        ),
        ("<!-- x -->Ana Ruiz", "Ana Ruiz"),
        # an indented author box is as short as its words, not its spaces
        (" " * 500 + "By Ana Ruiz and Tom Lee" + " " * 40, "By Ana Ruiz and Tom Lee"),
        ("<div>By Ana Ruiz</div><div>Staff Writer</div>", "By Ana Ruiz | Staff Writer"),
    ],
)
def test_a_bylines_text_is_read_whole(markup, text):
    from transforms.metadata import short_block_text

    node = parse_html(f"<html><body><div class='byline'>{markup}</div></body></html>")
    assert short_block_text(node.find(".//div"), 80) == text


def test_a_blogs_name_cut_at_a_small_word_is_no_person():
    """trafilatura reads "Life in the City" as an author "Life" in a place "the City"; the
    page names the blog, an organisation, and no person."""
    story = "".join(
        f"<p>Paragraph {n}: the market square filled early on Saturday as growers from the "
        f"valley brought the first apples of the season to town ({n}).</p>"
        for n in range(6)
    )
    page = f"""<html><head><title>Apple day at the market</title>
    <meta name="author" content="Life in the City">
    <meta property="og:site_name" content="Life in the City"></head><body><header>
    <h1 id="blog-title"><a rel="author" href="/">Life in the City</a></h1></header>
    <article><h2>Apple day at the market</h2>{story}</article></body></html>"""
    record = extract_article(page.encode(), "https://lifeinthecity.example/apple", NOW)
    assert record.authors == ()
    assert record.organisations == ("Life in the City",)


@pytest.mark.parametrize(
    ("byline", "people", "organisations"),
    [
        ("By Marta Kowalska, Ecologist", ["Marta Kowalska"], ["Ecologist"]),
        ("Jonas Berg, Nordic Wire Weekly", ["Jonas Berg"], []),  # several words: not this rule
        ("Jonas Berg, Skyline", ["Jonas Berg"], ["Skyline"]),
        ("Author: Lena Vogt, Contributor, Gadgetwelt", ["Lena Vogt"], ["Gadgetwelt"]),
        ("Lena Vogt, Kim Ode", ["Lena Vogt", "Kim Ode"], []),  # a second author: a full name
        ("Lena Vogt, Cher and Kim Ode", ["Lena Vogt", "Cher", "Kim Ode"], []),
    ],
)
def test_one_word_after_a_full_name_and_a_comma_is_where_or_what_not_who(
    byline, people, organisations
):
    found, orgs = parse_byline(byline)
    assert found == people
    assert [o for o in orgs if o in organisations] == organisations
