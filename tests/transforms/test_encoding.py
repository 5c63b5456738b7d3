"""Bytes to text once, before any parser: declared labels by the WHATWG rules, lying labels
passed over, windows-1252 before a guess, and the same text for the metadata and the body."""

from datetime import UTC, datetime

import pytest

from transforms.encoding import decode_page, encoding_name
from transforms.extract import extract_article

FETCHED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def page(title: str, paragraph: str, head: str = "") -> str:
    body = "".join(f"<p>{paragraph} ({i})</p>" for i in range(4))
    return (
        f"<!doctype html><html><head>{head}<title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{body}</article></body></html>"
    )


# windows-1252 text in several languages, with no charset anywhere: a statistical guess picks
# the wrong code page for some of these ("Cafť crŤme"), windows-1252 does not
WINDOWS_1252 = {
    "fr": (
        "Café crème à la gare",
        "Le boulanger a ouvert à sept heures; les élèves du lycée ont acheté des croissants "
        "et des pâtisseries, puis ils sont allés à l'école en chantant « Ça va très bien ».",
    ),
    "de": (
        "Der Bäcker in München",
        "Die Bäckerei öffnet früh am Morgen, und die Straße füllt sich mit Menschen, die "
        "Brötchen kaufen; über Nacht hat es geschneit, und die Größe der Schlange überrascht.",
    ),
    "es": (
        "El niño y la señora Muñoz",
        "La señora Muñoz llevó a su niño a la estación; allí compró un café y esperó el tren "
        "de las ocho, mientras la lluvia caía sobre la ciudad y los árboles del jardín.",
    ),
    "pt": (
        "Ação e coração em São Paulo",
        "A população de São Paulo celebrou a decisão com emoção; as lições da última eleição "
        "mostram que a participação dos cidadãos é essencial para a construção do país.",
    ),
}


@pytest.mark.parametrize("language", sorted(WINDOWS_1252))
def test_undeclared_windows_1252_reads_right_in_title_and_text(language):
    title, paragraph = WINDOWS_1252[language]
    body = page(title, paragraph).encode("cp1252")
    record = extract_article(body, f"http://n.test/{language}.html", FETCHED)
    assert record.title == title
    assert paragraph in record.text
    assert (record.encoding, record.encoding_source) == ("windows-1252", "windows_1252")


def test_iso_8859_1_label_is_read_as_windows_1252():
    """The WHATWG rule: iso-8859-1 means windows-1252, whose 0x80-0x9f are € and quotes."""
    paragraph = (
        "The \u201cnew\u201d fare is \u20ac5 \u2013 up from \u20ac4 \u2026 said the council."
    )
    body = page("Fares rise", paragraph).encode("cp1252")
    record = extract_article(body, "http://n.test/f.html", FETCHED, None, None,
                             "text/html; charset=ISO-8859-1")  # fmt: skip
    assert paragraph in record.text
    assert (record.encoding, record.encoding_source) == ("windows-1252", "http_header")


LEGACY = {
    "Shift_JIS": (
        "cp932",
        "東京の天気",
        "東京は今日も晴れで、最高気温は二十度になる見込みです。",
        "meta",
    ),
    "GB2312": (
        "gb18030",
        "北京天气",
        "北京今天天气很好，最高气温二十度，市民纷纷外出散步。",
        "http",
    ),
    "GB18030": (
        "gb18030",
        "上海新闻",
        "上海市政府今天宣布新的交通计划，地铁将延长运营时间。",
        "meta",
    ),
    "KOI8-R": (
        "koi8-r",
        "Москва сегодня",
        "В Москве сегодня солнечно, температура воздуха поднимется до двадцати градусов.",
        "meta",
    ),
}


@pytest.mark.parametrize("label", sorted(LEGACY))
def test_declared_legacy_encodings(label):
    codec, title, paragraph, where = LEGACY[label]
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'
    html = page(title, paragraph * 3, head if where == "meta" else "")
    header = f"text/html; charset={label}" if where == "http" else "text/html"
    record = extract_article(
        html.encode(codec), "http://n.test/x.html", FETCHED, None, None, header
    )
    assert record.title == title
    assert paragraph in record.text
    assert record.encoding == encoding_name(label)
    assert record.encoding_source == ("http_header" if where == "http" else "meta")


def test_utf8_bom_beats_a_header_that_says_otherwise():
    title, paragraph = WINDOWS_1252["de"]
    body = b"\xef\xbb\xbf" + page(title, paragraph).encode()
    decoded = decode_page(body, "text/html; charset=windows-1252")
    assert (decoded.encoding, decoded.source) == ("utf-8", "bom")
    assert not decoded.text.startswith("\ufeff") and paragraph in decoded.text


def test_a_header_that_lies_is_passed_over():
    title, paragraph = WINDOWS_1252["fr"]
    # says windows-1252, is UTF-8: valid UTF-8 with multi-byte characters is UTF-8
    record = extract_article(page(title, paragraph).encode(), "http://n.test/a", FETCHED,
                             None, None, "text/html; charset=windows-1252")  # fmt: skip
    assert record.title == title and paragraph in record.text
    assert (record.encoding, record.encoding_source) == ("utf-8", "valid_utf8")
    # says UTF-8 (header and meta), is windows-1252: the bytes do not decode as UTF-8
    html = page(title, paragraph, '<meta charset="utf-8">').encode("cp1252")
    record = extract_article(html, "http://n.test/b", FETCHED, None, None,
                             "text/html; charset=utf-8")  # fmt: skip
    assert record.title == title and paragraph in record.text
    assert record.encoding == "windows-1252"


def test_a_page_mixing_encodings_is_read_best_effort_and_recorded():
    """A UTF-8 template with a paragraph pasted in windows-1252: each stray byte is read as
    windows-1252, the UTF-8 around it stays UTF-8, nothing raises."""
    utf8_part = "Zürich: die Größe der Straßen überrascht die Besucher jeden Tag aufs Neue."
    pasted = "Le café crème coûte trois euros à la gare."
    html = page("Zürich heute", utf8_part).encode()
    html = html.replace(b"</article>", b"<p>" + pasted.encode("cp1252") + b"</p></article>")
    record = extract_article(html, "http://n.test/m", FETCHED)
    assert record.title == "Zürich heute"
    assert utf8_part in record.text and pasted in record.text
    assert (record.encoding, record.encoding_source) == ("utf-8", "mixed")


def test_an_xml_declaration_names_the_encoding_and_does_not_stop_the_parser():
    html = '<?xml version="1.0" encoding="ISO-8859-2"?>' + page("Łódź dziś", "Żółć " * 60)
    decoded = decode_page(html.encode("iso-8859-2"))
    assert (decoded.encoding, decoded.source) == ("iso-8859-2", "xml_declaration")
    record = extract_article(html.encode("iso-8859-2"), "http://n.test/pl", FETCHED)
    assert record.title == "Łódź dziś"


@pytest.mark.parametrize(
    ("label", "name"),
    [("latin1", "windows-1252"), ("ascii", "windows-1252"), ("US-ASCII", "windows-1252"),
     ("iso-8859-9", "windows-1254"), ("sjis", "shift_jis"), ("utf8", "utf-8"),
     ("cp1251", "windows-1251"), ("no-such-charset", None)],
)  # fmt: skip
def test_labels_are_read_by_the_whatwg_rules(label, name):
    assert encoding_name(label) == name


def test_double_encoded_utf8_is_repaired_where_a_c1_control_shows_it():
    """A CMS that read its UTF-8 as latin-1 and saved it again: the bytes are valid UTF-8,
    the text is not ("Council\u00e2\u0080\u0099s"). "Ã©" alone may be meant, and stays."""
    title = "The council\u2019s \u201cnew\u201d plan"
    mangled = title.encode().decode("latin-1")
    html = page(
        mangled, "Residents said the plan \u2013 Ã© here \u2013 changes the ferry times " * 4
    )
    record = extract_article(html.encode(), "http://n.test/c", FETCHED)
    assert record.title == title
    assert "\u2013 Ã© here \u2013" in record.text
