"""Bylines into names: people apart from organisations (agencies, desks, the site itself).

A byline is written for readers ("By Ana Ruiz and Tom Lee, Staff Writers | Reuters"); the
warehouse wants ["Ana Ruiz", "Tom Lee"] as people and ["Reuters"] as an organisation.
"""

from __future__ import annotations

import re
import unicodedata

AGENCIES = {
    "ap",
    "associated press",
    "the associated press",
    "afp",
    "agence france-presse",
    "agence france presse",
    "reuters",
    "thomson reuters",
    "dpa",
    "efe",
    "ansa",
    "pa",
    "pa media",
    "press association",
    "bloomberg",
    "upi",
    "xinhua",
    "tass",
    "kyodo",
    "anadolu",
    "anadolu agency",
    "cna",
    "aap",
    "cp",
    "the canadian press",
    "ians",
    "pti",
    "ani",
    "sid",
    "kna",
    "epd",
    "apa",
    "belga",
    "anp",
    "tt",
    "ntb",
    "ritzau",
    "yonhap",
    "ria novosti",
    "interfax",
    "wafa",
    "mena",
    "ana-mpa",
    "amna",
    "agenturen",
    "agencias",
    "agences",
    "ТАСС",
    "РИА Новости",
    "Интерфакс",
    "共同通信",
    "時事通信",
    "新华社",
    "新華社",
    "中央社",
    "연합뉴스",
    "뉴시스",
    "뉴스1",
    "وكالة الأنباء",
    "رويترز",
    "فرانس برس",
    "ΑΠΕ-ΜΠΕ",
}
AGENCIES = {a.casefold() for a in AGENCIES}
_ORG_WORDS = re.compile(
    r"\b(news|desk|staff|team|editors|editorial|newsroom|press|agency|agencies|media|magazine|"
    r"times|today|post|herald|journal|tribune|gazette|network|online|digital|wire|wires|"
    r"service|bureau|contributor|contributors|correspondents|partners|sponsored|"
    r"foundation|institute|university|council|ministry|department|inc|ltd|llc|group|"
    # the same words in the languages and scripts we meet: desks, newsrooms, agencies
    r"redaktion|nachrichten|agentur|agenturen|gesponsert\w*|anzeige|werbung|rédaction|agence|"
    r"agencia|redacción|redazione|agenzia|redação|agência|redactie|"
    r"редакция|новости|агентство|служба|"
    r"σύνταξη|ειδήσεις|πρακτορείο|"
    r"التحرير|وكالة|أخبار)\b"
    # East Asian newsroom words are written without spaces, so no word boundary around them
    r"|編集部|编辑部|編輯部|通信社|新聞社|新闻社|报社|報社|記者クラブ|"
    r"편집국|편집부|뉴스|일보|신문|통신",
    re.IGNORECASE,
)
_ROLE_NOUNS = (
    r"(writer|editor|reporter|correspondent|columnist|journalist|photographer|producer|"
    r"analyst|expert|contributor|intern|critic|author|coordinator|manager|director|"
    r"specialist|strategist|consultant|officer|reviewer|founder|co-?founder|ceo|engineer|"
    r"scientist|designer|developer|researcher|professor|"
    # the reporter's trade in the languages we meet: "Hans Meier | Redakteur" is one person
    r"redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|reporterin|volontär(?:in)?|"
    r"journaliste|rédacteur|rédactrice|correspondante?|chroniqueu(?:r|se)|"
    r"redactora?|periodista|corresponsal|reporter[oa]|columnista|editora|"
    r"repórter|jornalista|correspondente|redatora?|colunista|"
    r"giornalista|redattore|redattrice|corrispondente|inviat[oa]|"
    r"redacteur|verslaggever|redaktør|redaktör|dziennikar(?:z|ka)|korespondent|muhabir|"
    r"журналист(?:ка)?|корреспондент|редактор|обозреватель|δημοσιογράφος|ανταποκριτής)s?"
)
# a role before the name, as German and Dutch bylines print it: the name after it stays
_ROLE_BEFORE_NAME = re.compile(
    rf"^\s*(?:(?:senior|chief|staff|chef|leitende[rn]?|freie[rn]?)\s+)*{_ROLE_NOUNS}\s+(?=[^\W\d_])",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"[,|(\-–—]?\s*\b((contributing|senior|staff|chief|deputy|associate|managing|executive|"
    r"political|special|guest|freelance|science|health|business|sports?|technology|tech|"
    r"former|lead|principal|content|marketing|product|communications|social|media|digital|"
    r"seo|growth|brand|research|expert|medical|legal|technical|project|community)\s+)*"
    rf"{_ROLE_NOUNS}\b.*$",
    re.IGNORECASE,
)
# after a comma, or in a block of its own after the name's ("Ana Ruiz | Senior Life and
# Trends Reporter"), words up to a role noun are one role, whatever they hold: "Ana Ruiz,
# Privacy and Digital Security Expert" (split at "and" first, "Privacy" would read as a name)
_ROLE_AFTER_COMMA = re.compile(rf"[,|][^,;|]*?\b{_ROLE_NOUNS}\s*(?=$|[,;|])", re.IGNORECASE)
# one capitalised word after a comma that follows a full name is the name's publication
# or trade ("Victor Tangermann, Futurism", "Tracy Parker, Dietitian"), not a second author:
# a second author has a full name too
_WORD_AFTER_NAME = re.compile(
    r"(?:^|[,;|]\s*)(?:[A-Z][\w.'’-]+\s+){1,4}[A-Z][\w.'’-]+\s*,\s*([A-Z][\w'’-]+)\s*(?=$|[,;|])"
)
# the lower-case words a name may begin with
_PARTICLES = frozenset(
    "abu af al av ben bin bint d' da dal dalla dalle das de degli dei del della delle dello den "
    "der des di do dos du e el i ibn la las le les lo los op te ten ter van vom von y zu zum "
    "zur binti à am het uit 't dr. prof. drs. ir. mr. ap ab ní nic ó bat bar b. bt bte thi thị "
    "văn ur ul ud ad ar as at ath adh ould ag binte anak de'".split()
)
# a particle joined to the word after it: "al-Rahman", "el-Sayed", "d'Ormesson", "dell'Acqua"
_JOINED_PARTICLE = re.compile(
    r"^(?:a[dlnrstz]|ash|ath|adh|el|d|dell|dall|l|ibn|bin|ben|abu)['’-]\w"
)


def _particle(word: str) -> bool:
    return word in _PARTICLES or bool(_JOINED_PARTICLE.match(word))


# the small words a title keeps in lower case: a byline of them names a column or a desk
_TITLE_WORDS = frozenset("a an and at for from in of on our the this to with your".split())
# words of a sentence, written in lower case, that no name carries (its particles, "de",
# "van", "bin", do not read as these)
_SENTENCE_WORDS = frozenset(
    {"is", "are", "was", "were", "an", "has", "have", "writes", "covers", "who", "for"}
)
_BY = re.compile(
    r"^\s*((\w+\s+){0,2}by|(?:escrit[oa]|écrit|scritto|geschrieben|verfasst|gepubliceerd|geschreven)\s+"
    r"(?:por|par|da|von|door)|a\s+cura\s+di|γράφει\s+(?:ο|η)|από\s+(?:τον|την)|phóng\s+viên|"
    r"von|par|por|di|door|av|af|от|του|της|των|بقلم|كتب|كتبت)\s*:?\s+",
    re.IGNORECASE,
)
# what a byline calls its author before the name: "Autor: Ana Ruiz", "Текст: …", "文：…"
_NAME_LABEL = re.compile(
    r"^\s*(?:author|authors|autor|autorin|autoren|auteur|autore|autora|text|texte|texto|"
    r"testo|tekst|reporter|reporting|reportage|автор|текст|αυτορας|συντάκτης|γράφει|"
    r"الكاتب|كاتب|作者|文|撰文|記者|记者|취재|글)\s*[:：]\s*",
    re.IGNORECASE,
)
# a part naming where the article came from, not who wrote it: "Quelle: sid" is an agency
_SOURCE_LABEL = re.compile(
    r"^\s*(?:source|sources|quelle|quellen|fuente|fuentes|fonte|fonti|bron|источник|"
    r"πηγή|المصدر|来源|來源|출처)\s*[:：]\s*",
    re.IGNORECASE,
)
# work on the article that is not its authorship: the part from this label on is dropped
_OTHER_ROLES = re.compile(
    r"\b(?:medically\s+|legally\s+|expert\s+)?(?:reviewed|edited|fact[-\s]?checked|"
    r"illustrated|translated|curated|produced|verified)\s+by\b.*$|"
    r"\b(?:photos?|photography|images?|video|graphics?|illustrations?)\s*(?:by|:)\s.*$|"
    r"\b(?:additional\s+)?reporting\s+by\b.*$|"
    r"\b(?:redigiert|geprüft|übersetzt)\s+von\b.*$|\bfotos?\s*:\s.*$",
    re.IGNORECASE,
)
# titles after a name: all capitals, 2 to 6 letters, dots or a hyphen (MRCGP, Ph.D., PA-C)
_POSTNOMINAL = re.compile(r"^(?:[A-Z]\.?){2,6}(?:-[A-Z])?$")
# a qualification in words: "Licensed Q Arabica Grader", "Certified Personal Trainer", and a
# degree with its field, "M.A. Journalism", "BSc in Nutrition"
_QUALIFICATION = re.compile(
    r"^(?:(?i:licensed|certified|registered|accredited|chartered|board[-\s]certified)\s"
    # a degree written so no initials read alike ("MS Dhoni", "Ma Long" are names)
    r"|(?:[BM]\.\s?(?:A|S|Sc|Ed|Eng)\.?|[BM]\s[AS]|[BM](?:Sc|Ed|Eng)|Ph\.?\s?D\.?|M\.?\s?Phil"
    r"|M\.\s?B\.\s?A\.?)\s+(?:in\s+)?[A-Z]|(?:[BM][AS]|MBA)\s+in\s+[A-Z])"
)
_SPLIT = re.compile(
    r"\s*(?:;|,|&|\||·|•|⋅|∙|、|，|；|\band\b|\bwith\b|\bvia\b|\bund\b|\bet\b|\by\b|\bи\b|"
    # "and" in Turkish, Indonesian and Vietnamese, in lower case only ("Dan Brown"); not
    # Dutch "en", which is French and Spanish "in" ("corresponsal en Washington")
    r"\bκαι\b|(?-i:\b(?:ve|dan|và)\b)|"
    r"(?<=\s)و(?=\s)|/|"
    # a role word in scripts written without spaces stands between an agency and a name, or
    # after a name: "新华社记者张三", "山田太郎記者", "홍길동 기자"
    r"記者|记者|特派員|特派员|기자|특파원)\s*",
    re.IGNORECASE,
)
# "Follow" buttons and "more from" links next to the name
_FOLLOW = re.compile(r"\s+(?:follow|folgen|suivre|seguir|segui|volg)\b.*$", re.IGNORECASE)
# a paid-content badge after the credited name: "Harbour Gazette Sponsored", "… Anzeige"
_PAID_BADGE = re.compile(
    r"\s+(?:sponsored(?:\s+(?:content|post))?|paid\s+(?:content|post|partnership)|advertorial"
    r"|promoted|partner\s+content|anzeige|gesponsert|publirreportaje|publireportage)\s*$",
    re.IGNORECASE,
)
# a date's label ends the name before it: "Ana Ruiz Last updated on …", "Posted on …"; it
# takes its own block, not the blocks after it ("Last Updated: 2025-02-22 | By Ana Ruiz")
_DATE_LABEL = re.compile(
    r"\b(?:last\s+)?(?:posted|published|updated?|modified|publiziert|veröffentlicht|"
    r"aktualisiert|publié|mis à jour|publicado|actualizado|pubblicato|aggiornato)\b[^|]*",
    re.IGNORECASE,
)
_CREDENTIALS = {
    "cfp",
    "phd",
    "md",
    "ms",
    "rd",
    "mba",
    "cpa",
    "cpp",
    "psp",
    "jd",
    "rn",
    "dds",
    "esq",
    "mph",
    "msc",
    "ba",
    "bsc",
    "ma",
    "cfa",
    "do",
    "np",
    "pa-c",
    "lcsw",
    "rdn",
    "cdn",
    "jr",
    "sr",
}
_NOISE = re.compile(
    r"(https?://\S+|\S+@\S+|@\w+|\(.*?\)|\b(updated|published|posted)\s+(on\s+)?[\d(]|"
    r"\bon\s+(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b.*$|"
    r"\b(updated|published|posted)\s*:.*$|\d{1,2}:\d{2}.*$|"
    r"\b\d{4}-\d{2}-\d{2}\b.*$|\bon (facebook|twitter|x|instagram|linkedin)\b|"
    r"\b(\d+\s*)?(mins?|minutes?)\s+(to\s+)?read\b)",  # reading time, its number apart or not
    re.IGNORECASE,
)


# calendar words in the languages of the corpus: a byline's date is not part of a name
_CALENDAR = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|januar|februar|märz|mai|"
    r"juni|juli|oktober|dezember|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|"
    r"février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|lunes|martes|"
    r"miércoles|jueves|viernes|sábado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|octubre|noviembre|diciembre"
)
_CALENDAR_WORD = re.compile(rf"^(?:{_CALENDAR})\.?$", re.IGNORECASE)
# a name runs into the date after it: "ServiceTitan November 24" (never "Tom May" alone)
_TRAILING_DATE = re.compile(rf"\s+(?:(?:at|on)\s+)?(?:{_CALENDAR})\.?,?\s+\d.*$", re.IGNORECASE)
# labels glued to what follows where the page's markup had no space: "BySummer Swann",
# "Written byDan Pantelo", "AuthorVenteur", "Cazzy MagennisLast updated"
_GLUED_LABEL = re.compile(
    r"^(?:(?:written|posted|words|reviewed|edited)\s*by|by|author)\s*:?\s*(?=(?-i:[A-Z]))",
    re.IGNORECASE,
)
_GLUED_TAIL = re.compile(
    r"(?<=[a-z])(?:Last|Updated|Published|Posted|Reviewed|Expert|Editor|Writer|Reporter|"
    r"Author|Contributor)\b.*$"
)
# a month that is no one's surname, or a weekday, closing a name without a day after it
_TRAILING_MONTH = re.compile(
    r"\s+(?:january|february|september|october|november|december|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|januar|februar|oktober|dezember|janvier|février|octobre|"
    r"novembre|décembre|enero|febrero|septiembre|octubre|noviembre|diciembre)\.?$",
    re.IGNORECASE,
)
# what a byline element says around the name, never a name itself
LABELS = {
    "by",
    "written by",
    "words by",
    "author",
    "authors",
    "updated",
    "published",
    "posted",
    "reviewed by",
    "edited by",
    "fact checked by",
    "fact checked",  # a badge beside the byline
    "fact-checked",
    "medically reviewed",
    "expert reviewed",
    "insights from",
    "posted on",
    "published on",
    "published by",
    "posted by",
    "von",
    "par",
    "por",
    "follow",
    "folgen",
    "suivre",
    "seguir",
    "publiziert am",
    "veröffentlicht am",
    "aktualisiert am",
    "publié le",
    "publicado el",
    "pubblicato il",
    "mehr von",
    "more from",
    "more by",
    "view all posts",
    "see all articles",
    # a template's empty value printed as text
    "undefined",
    "null",
    "none",
    "n/a",
}


def is_calendar_word(word: str) -> bool:
    """'Donnerstag', 'Nov.', 'Monday': a weekday or a month, in the languages we meet."""
    return bool(_CALENDAR_WORD.match(word.strip()))


def is_place(name: str) -> bool:
    """A byline part that is a place (a dateline, "LONDON"), not a person."""
    from transforms.gazetteer import fold, gazetteer

    kinds = {e.kind for e in gazetteer().lookup(fold(name))}
    return bool(kinds & {"city", "country", "state", "region"})


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" .,;:|-–—()\"'“”‘’")


_DOMAIN = re.compile(
    r"^(?:https?://)?(?:www\.)?([^\s/]+?)\.(?:com|net|org|info|co\.uk|co|news|tv|fm)/?$"
)


def name_key(text: str) -> str:
    """What two spellings of one name share: 'WKRN.com', 'wkrn' and 'ＷＫＲＮ' -> 'wkrn';
    'Вестник' -> 'вестник'. Every script's letters and digits count, so a name in one script
    is never equal to a name in another merely because neither has a letter from a to z."""
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    domain = _DOMAIN.match(folded)
    if domain:
        folded = domain.group(1)
    return "".join(c for c in folded if c.isalnum())


# what a site's author field holds when no person signed: kept, as an organisation-type author
GENERIC_LABELS = {
    "admin",
    "administrator",
    "editor",
    "webmaster",
    "guest",
    "guest author",
    "guest post",
    "moderator",
    "support",
    "redaktion",
    "rédaction",
    "redacción",
    "redazione",
    "red",
    "redakce",
    "redaktionen",
    "toimitus",
    "редакция",
    "編集部",
    "编辑部",
    "편집국",
}


def is_organisation(name: str, site_names: set[str] = frozenset()) -> bool:
    """An agency, a desk, a generic label or the site itself (compared by `name_key`)."""
    lowered = name.casefold()
    key = name_key(name)
    if (
        lowered in AGENCIES
        or lowered in GENERIC_LABELS
        or (key and key in {name_key(s) for s in site_names if s})
    ):
        return True
    if _ORG_WORDS.search(name):
        return True
    return lowered.startswith("the ") or lowered == "staff"


def _person_case(name: str) -> str:
    """ANA RUIZ / ana ruiz -> Ana Ruiz; mixed case (McDonald, de la Cruz) is left alone."""
    letters = [c for c in name if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
    return name


def _strip_postnominals(name: str) -> str:
    """'Sarah Jarvis MBE FRCGP' -> 'Sarah Jarvis': capitals after a name written in mixed case
    are credentials ('JOHN SMITH' is left alone: there they are the name)."""
    words = name.split()
    while len(words) > 2 and (
        _POSTNOMINAL.match(words[-1]) or words[-1].replace(".", "").casefold() in _CREDENTIALS
    ):
        if not any(c.islower() for c in " ".join(words[:-1])):
            break
        words.pop()
    return " ".join(words)


def _strip_avatar_initials(name: str) -> str:
    """'CM Craig McCarthy' -> 'Craig McCarthy': the initials an avatar shows before a name."""
    first, _, rest = name.partition(" ")
    initials = "".join(w[:1] for w in rest.split()[: len(first)])
    if 1 < len(first) <= 3 and first.isupper() and rest and first == initials.upper():
        return rest
    return name


def parse_byline(
    value: str | None, site_names: set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """(people, organisations) named in a byline, in order, without duplicates.

    Labels and role words are cut in the languages we meet ("Von", "Autor:", "Posted on",
    "Follow", "記者"); what follows "Reviewed by", "Edited by" or "Photos by" is other work on
    the article, not its authorship; what follows "Source:" / "Quelle:" is an organisation."""
    people: list[str] = []
    orgs: list[str] = []
    roles: list[str] = []  # desk-like roles: the site's generic credit if no one else is named
    if not value:
        return people, orgs
    dateline_comma = value.rstrip().endswith(",")  # "Washington," is where, not who
    text = _OTHER_ROLES.sub("", value.replace("\xa0", " "))
    text = _NOISE.sub(" ", _DATE_LABEL.sub("", _BY.sub("", _NAME_LABEL.sub("", text))))
    text = _ROLE_AFTER_COMMA.sub("", text)
    after_name = set(_WORD_AFTER_NAME.findall(text))
    for part in _SPLIT.split(text):
        source = _SOURCE_LABEL.match(part)
        part = _squash(_NAME_LABEL.sub("", _BY.sub("", part[source.end() :] if source else part)))
        part = _squash(_TRAILING_DATE.sub("", _GLUED_TAIL.sub("", _GLUED_LABEL.sub("", part))))
        part = _squash(_TRAILING_MONTH.sub("", _FOLLOW.sub("", _DATE_LABEL.sub("", part))))
        part = _PAID_BADGE.sub("", part)
        if not part or not any(c.isalpha() for c in part) or part.casefold() in LABELS:
            continue
        if all(is_calendar_word(w) for w in part.split()):
            continue  # "Donnerstag", "Nov": the byline's date, not a name
        lead = _ROLE_BEFORE_NAME.match(part)  # "Redakteurin Anna Schmidt", "Professor …"
        if lead and part[lead.end() :][:1].isupper():
            part = part[lead.end() :]
        named = _squash(_ROLE.sub("", part))
        if not source and named != part:
            if not named:  # "Staff Reporter", "Founder": a role; beside a name, the name's
                if is_organisation(part, site_names):
                    roles.append(part)  # "Staff Writer" alone may be the site's credit
                continue
            if len(named.split()) >= 2 and not is_organisation(named, site_names):
                part = named  # "Ana Ruiz, Staff Writer": a person and her role, not a desk
        if source or is_organisation(part, site_names):
            if part not in orgs:
                orgs.append(part)
            continue
        if part.replace(".", "").casefold() in _CREDENTIALS or _POSTNOMINAL.match(part):
            continue  # credentials after a comma: CFP, PhD, MD, MRCGP
        if _QUALIFICATION.match(part):
            continue  # "Licensed Q Arabica Grader", "M.A. Journalism": what, not who
        if part in after_name:  # "Victor Tangermann, Futurism": where he writes, not who
            if part not in orgs and not is_place(part):  # "Ana Ruiz, Madrid": a dateline
                orgs.append(part)
            continue
        name = _squash(_ROLE.sub("", part))
        if name != part and len(name.split()) < 2:
            continue  # a role with a qualifier ("Shipping Expert"), not a name
        name = _strip_postnominals(_strip_avatar_initials(name))
        words = name.split()
        if not name or not 1 <= len(words) <= 5 or len(name) > 60 or re.search(r"\d", name):
            continue
        # a name written all in lower case is a name ("ana ruiz"); in mixed case, its
        # lower-case words are particles ("van der Berg", "Abd al-Rahman")
        cased = any(c.isupper() for c in name)
        if name[:1].islower() and (len(words) == 1 or (cased and not _particle(words[0]))):
            continue  # "staff", "admin", "in Festivals & Events": not a name (a script
            # without capitals is no sign)
        if any(w in _SENTENCE_WORDS for w in words):
            continue  # "Julius is an LA entertainment reporter": an author box's bio line
        lower = {
            w
            for w, after in zip(words[1:], [*words[2:], ""], strict=False)
            if cased
            and w[:1].islower()
            and not _particle(w)
            and not (w == "in" and _particle(after))  # "Sophie in 't Veld"
        }
        if lower:  # a name's inner words are capitalised, or particles ("de la", "bin")
            title = lower <= _TITLE_WORDS and words[-1][:1].isupper() and len(words) <= 4
            if title and name not in orgs:
                orgs.append(name)  # "Ask the Doctors": a column's or a desk's title
            continue  # else a phrase ("Learning kate"), not a name
        if (
            name.isupper() or (len(words) == 1 and (people or orgs or dateline_comma))
        ) and is_place(name):
            continue  # a dateline ("LONDON", "…, Kyiv", "Reuters, Washington", "Paris,"),
            # not a name; "Roy" first, or "David" alone, is a name
        name = _person_case(name)
        if name not in people:
            people.append(name)
    if not people and not orgs:
        orgs = list(dict.fromkeys(roles))  # "Staff Writer" alone: the site's staff wrote it
    return people, orgs
