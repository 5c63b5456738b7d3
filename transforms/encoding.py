"""A page's bytes to text, once, before any parser reads them.

lxml and trafilatura each guess an encoding of their own when handed bytes, and they do not
always agree: the metadata could come out right and the text as mojibake. So the page is
decoded here, by the order of the WHATWG Encoding standard with two additions for data
that must not be garbled, and both read the same text:

1. a byte-order mark (it beats every label, as in browsers);
2. the HTTP `charset`; 3. `<meta charset>` / `http-equiv` (or an XML declaration);
   a label is read by the WHATWG rules (`iso-8859-1`, `latin1` and `ascii` mean
   windows-1252, `shift_jis` is windows-31j, ...). A label the bytes do not decode under is a
   lie and is passed over; so is a single-byte label on bytes that are valid UTF-8 with
   multi-byte characters (legacy text is almost never valid UTF-8 by chance);
4. valid UTF-8;
5. UTF-8 with a few stray windows-1252 bytes (a template in one encoding, a pasted
   paragraph in another): each stray byte read as windows-1252, recorded as `mixed`;
6. windows-1252 when the bytes decode under it, rather than a statistical guess (a guess on
   Latin text picks the wrong code page: "Cafť crŤme");
7. charset_normalizer's guess; 8. UTF-8 with replacement characters, as the last resort.

Text that a publisher's own system double-encoded ("Investorâ\x80\x99s") is repaired after
decoding, where the sign is certain: a C1 control character, which no real text holds.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final

from transforms.vocabulary import EncodingSource

PRESCAN_BYTES: Final = 8192  # where declarations live; WHATWG's 1024 misses pages with long heads

# WHATWG labels whose Python codec differs from what the label names in Python
_WHATWG: Final[dict[str, str]] = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "iso_8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "ansi_x3.4-1968": "windows-1252",
    "cp819": "windows-1252",
    "ibm819": "windows-1252",
    "iso-8859-9": "windows-1254",
    "latin5": "windows-1254",
    "iso-8859-11": "windows-874",
    "tis-620": "windows-874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "chinese": "gb18030",
    "gb_2312-80": "gb18030",
    "shift_jis": "shift_jis",
    "shift-jis": "shift_jis",
    "sjis": "shift_jis",
    "x-sjis": "shift_jis",
    "ms_kanji": "shift_jis",
    "windows-31j": "shift_jis",
    "euc-kr": "euc-kr",
    "ks_c_5601-1987": "euc-kr",
    "big5": "big5",
    "big5-hkscs": "big5",
    # a page that says it is UTF-16 in its own ASCII-compatible bytes is not (WHATWG)
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}
# the name we record -> the Python codec that decodes it as browsers do
_CODEC: Final[dict[str, str]] = {
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "windows-1252": "cp1252",
}
_SINGLE_BYTE = re.compile(r"^(windows-12\d\d|iso-8859-\d+|koi8-[ru]|windows-874|ibm866|mac.*)$")
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\s;\"']+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([a-zA-Z0-9_.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*\bencoding\s*=\s*[\"']([a-zA-Z0-9_.:-]+)", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*\?>")
_MULTIBYTE_UTF8 = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


# UTF-8 read as windows-1252/latin-1 and saved as UTF-8 again ("Investorâ\x80\x99s"): a lead
# byte's character then one to three continuation characters, of which at least one is a C1
# control (U+0080-U+009F), which no real text holds
_DOUBLE_ENCODED = re.compile(
    "[\u00c2-\u00df][\u0080-\u00bf]|[\u00e0-\u00ef][\u0080-\u00bf]{2}|[\u00f0-\u00f4][\u0080-\u00bf]{3}"
)
_C1 = re.compile("[\u0080-\u009f]")
# the same controls as UTF-8 decodes them (a stray byte replaced by U+FFFD is none of them)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def repair_double_encoding(text: str) -> str:
    """Undo UTF-8 that was decoded as latin-1 and encoded again, run by run; text with no C1
    control is returned as it is (the common case costs one search)."""
    if not _C1.search(text):
        return text

    def undo(match: re.Match[str]) -> str:
        run = match.group(0)
        if not _C1.search(run):
            return run  # "Ã©" may be meant: only runs with a C1 control are repaired
        try:
            return run.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return run

    return _DOUBLE_ENCODED.sub(undo, text)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The page's text, the encoding that gave it (a WHATWG name) and why that one."""

    text: str
    encoding: str
    source: EncodingSource


def encoding_name(label: str | None) -> str | None:
    """A charset label as the WHATWG standard reads it; None for one nothing can decode."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    name = _WHATWG.get(key)
    if name is None:
        try:
            name = codecs.lookup(key).name
        except LookupError:
            return None
        name = {"cp932": "shift_jis", "cp949": "euc-kr"}.get(name, name)
        name = re.sub(r"^cp(125\d)$", r"windows-\1", name).replace("iso8859-", "iso-8859-")
    return name


def _codec(name: str) -> str:
    return _CODEC.get(name, name)


def _stray_as_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """Error handler: the bytes UTF-8 cannot read, each read as windows-1252 (or U+FFFD)."""
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("gazette-stray-cp1252", _stray_as_cp1252)


def _declared(body: bytes, content_type: str | None) -> list[tuple[str, EncodingSource]]:
    found: list[tuple[str, EncodingSource]] = []
    http = _HTTP_CHARSET.search(content_type or "")
    if http:
        found.append((http.group(1), "http_header"))
    head = body[:PRESCAN_BYTES]
    xml = _XML_ENCODING.match(head)
    if xml:
        found.append((xml.group(1).decode("ascii"), "xml_declaration"))
    meta = _META_CHARSET.search(head)
    if meta:
        found.append((meta.group(1).decode("ascii"), "meta"))
    return found


def _valid_utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_page(body: bytes, content_type: str | None = None) -> Decoded:
    """The page's bytes as text, by the order in the module's docstring, with double-encoded
    UTF-8 repaired (`repair_double_encoding`)."""
    decoded = _decode(body, content_type)
    if decoded.encoding == "utf-8" and decoded.source != "mixed" and not _C1_UTF8.search(body):
        return decoded  # no C1 control in the text: searching the bytes is ten times faster
    repaired = repair_double_encoding(decoded.text)
    if repaired is decoded.text:
        return decoded
    return Decoded(repaired, decoded.encoding, decoded.source)


def _decode(body: bytes, content_type: str | None) -> Decoded:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(name, errors="replace"), name, "bom")
    utf8 = _valid_utf8(body)
    for label, source in _declared(body, content_type):
        name = encoding_name(label)
        if name is None:
            continue
        if name == "utf-8":
            if utf8 is not None:
                return Decoded(utf8, name, source)
            continue  # says UTF-8 but is not: what follows finds what it is
        if utf8 is not None and _SINGLE_BYTE.match(name) and _MULTIBYTE_UTF8.search(body):
            return Decoded(utf8, "utf-8", "valid_utf8")
        try:
            return Decoded(body.decode(_codec(name)), name, source)
        except UnicodeDecodeError:
            continue
    if utf8 is not None:
        return Decoded(utf8, "utf-8", "valid_utf8")
    runs = _MULTIBYTE_UTF8.findall(body)
    stray = len(re.findall(rb"[\x80-\xff]", body)) - sum(map(len, runs))
    if runs and len(runs) >= stray:  # mostly UTF-8: the stray bytes are the exception
        return Decoded(body.decode("utf-8", errors="gazette-stray-cp1252"), "utf-8", "mixed")
    try:
        return Decoded(body.decode("cp1252"), "windows-1252", "windows_1252")
    except UnicodeDecodeError:
        pass
    guess = _detected(body)
    if guess is not None:
        return guess
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", "replaced")


def _detected(body: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    sample = body if len(body) <= 20_000 else body[:10_000] + body[-10_000:]
    best = from_bytes(sample).best()
    name = encoding_name(best.encoding) if best else None
    if name is None:
        return None
    return Decoded(body.decode(_codec(name), errors="replace"), name, "detected")


def parseable(text: str) -> str:
    """The text without an XML declaration, which lxml refuses in a str it is given."""
    return _XML_DECLARATION.sub("", text, count=1)
