"""sources.toml and GAZETTE_* settings, validated before anything runs.

Precedence: explicit argument, then environment variable, then the file, then the default.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from flows.acquire.fetching import FetchPolicy
from transforms.batches import BATCH_SIZE
from transforms.urls import origin_of, split_credentials, url_pattern

DEFAULT_USER_AGENT = "gazette/0.1 (+https://github.com/gazette-news/gazette; news data warehouse)"


class ConfigError(ValueError):
    """A bad config: the message names the key and the reason."""


def _check_url(value: str) -> str:
    import httpx

    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ValueError(f"not a valid URL: {value!r} ({exc})") from None
    if url.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {value!r}")
    if not url.host or any(c.isspace() for c in value):
        raise ValueError(f"not a valid URL (no host, or a space in it): {value!r}")
    return value


def _check_pattern(value: str | None) -> str | None:
    """A pattern that does not compile, or that RE2 does not take, fails here, not as a
    traceback half way into a run (matching is linear in the URL: transforms.urls)."""
    if value is not None:
        url_pattern(value)
    return value


def _check_cron(value: str) -> str:
    from flows.served import check_cron  # Prefect's rule, where Prefect is allowed

    return check_cron(value)


def check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "an IANA name, e.g. Europe/Paris"
        raise ValueError(f"unknown time zone {value!r} ({hint})") from None
    return value


# strict models: an unknown key is a typo, and inf or nan is no bound at all
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)
DEFAULT_CRON = "0 2 * * *"


HttpUrlStr = Annotated[str, AfterValidator(_check_url)]


class FetchSettings(BaseModel):
    model_config = STRICT

    user_agent: str = DEFAULT_USER_AGENT
    per_host_delay_s: float = Field(1.0, ge=0)
    timeout_s: float = Field(20.0, gt=0)
    connect_timeout_s: float = Field(10.0, gt=0)
    max_bytes: int = Field(10_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    respect_robots: bool = True
    # true, false, or a list of hosts / IPs / CIDR networks allowed to be private
    allow_private_hosts: bool | list[str] = False
    max_hosts_in_parallel: int = Field(8, ge=1, le=64)
    max_retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)
    max_retry_wait_s: float = Field(60.0, ge=0)
    # the newest URLs are kept past these: the sitemaps protocol allows 50,000 a file, and a
    # source with no max_articles of its own gets no more than max_urls_per_source a run
    max_urls_per_sitemap: int = Field(50_000, ge=1)
    max_urls_per_source: int = Field(50_000, ge=1)

    @field_validator("user_agent")
    @classmethod
    def _names_us(cls, value: str) -> str:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            # CR or LF would end the header: every request would then fail, half way in
            raise ValueError(
                "the user agent must be one line of printable text (no CR, LF, tab or other "
                "control characters)"
            )
        if "gazette" not in value.lower():
            raise ValueError("the user agent must name gazette so site owners know who calls")
        return value

    def policy(self) -> FetchPolicy:
        values = self.model_dump()
        if isinstance(values["allow_private_hosts"], list):
            values["allow_private_hosts"] = tuple(values["allow_private_hosts"])
        return FetchPolicy(**values)


class QualitySettings(BaseModel):
    """Checks across runs: when is a source stale, when has its volume dropped."""

    model_config = STRICT

    freshness_hours: float = Field(48.0, gt=0)  # newest article older than this: a warning
    # yesterday's articles below mean - k * sd of the trailing days (by publication day)
    volume_sigma: float = Field(3.0, gt=0)
    # `trailing_runs`, its name when volume was judged per run, is still read
    trailing_days: int = Field(
        7, ge=3, le=365, validation_alias=AliasChoices("trailing_days", "trailing_runs")
    )


class EnrichSettings(BaseModel):
    """Who recognises entities: "rules" (offline, default), "spacy" (an installed model),
    "module:factory" (your own), or "off"."""

    model_config = STRICT

    recogniser: str = "rules"

    @field_validator("recogniser")
    @classmethod
    def _loads(cls, value: str) -> str:
        if value != "off":
            from transforms.entities import load_recogniser

            try:
                load_recogniser(value)
            except Exception as exc:
                raise ValueError(f"cannot load recogniser {value!r}: {exc}") from exc
        return value

    def spec(self) -> str | None:
        return None if self.recogniser == "off" else self.recogniser


def recogniser_from_env(default: str = "rules") -> str | None:
    """For commands without a sources file (ingest, reprocess): GAZETTE_RECOGNISER or rules."""
    return EnrichSettings(recogniser=os.environ.get("GAZETTE_RECOGNISER", default)).spec()


class ScheduleSettings(BaseModel):
    """When `gazette serve` runs the night (its --cron and --timezone win)."""

    model_config = STRICT

    cron: Annotated[str, AfterValidator(_check_cron)] = DEFAULT_CRON
    timezone: Annotated[str, AfterValidator(check_timezone)] = "UTC"


class SourceSettings(BaseModel):
    model_config = STRICT

    name: str = Field(min_length=1)
    homepage: str | None = None
    feeds: list[HttpUrlStr] = []
    sitemaps: list[HttpUrlStr] = []
    sections: list[HttpUrlStr] = []
    urls: list[HttpUrlStr] = []
    article_pattern: Annotated[str | None, AfterValidator(_check_pattern)] = None
    max_articles: int | None = Field(None, gt=0)

    @field_validator("homepage")
    @classmethod
    def _homepage_url(cls, value: str | None) -> str | None:
        return _check_url(value) if value else value

    # user:password@ taken out of the URLs above: (origin, user, password) for FetchPolicy
    _credentials: list[tuple[str, str, str]] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _has_somewhere_to_look(self) -> SourceSettings:
        if not (self.homepage or self.feeds or self.sitemaps or self.sections or self.urls):
            raise ValueError("give at least one of homepage, feeds, sitemaps, sections, urls")
        return self

    @model_validator(mode="after")
    def _credentials_apart(self) -> SourceSettings:
        """Credentials in a source's own URL are the operator's to send, never to store: every
        URL kept (dim_source, fetches, exports, the snapshot) is the one without them."""
        for name in ("feeds", "sitemaps", "sections", "urls"):
            setattr(self, name, [self._keep_apart(url) for url in getattr(self, name)])
        if self.homepage:
            self.homepage = self._keep_apart(self.homepage)
        return self

    def _keep_apart(self, url: str) -> str:
        bare, pair = split_credentials(url)
        if pair is not None:
            entry = (origin_of(bare), *pair)
            if entry not in self._credentials:
                self._credentials.append(entry)
        return bare


class Settings(BaseModel):
    model_config = STRICT

    fetch: FetchSettings = FetchSettings()
    quality: QualitySettings = QualitySettings()
    enrich: EnrichSettings = EnrichSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    sources: list[SourceSettings] = Field(min_length=1)

    def fetch_policy(self) -> FetchPolicy:
        """[fetch] as the fetcher's policy, with the credentials the sources' URLs named."""
        found = tuple(dict.fromkeys(c for s in self.sources for c in s._credentials))
        return replace(self.fetch.policy(), credentials=found)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self


_ENV_FETCH = {
    "GAZETTE_USER_AGENT": "user_agent",
    "GAZETTE_PER_HOST_DELAY_S": "per_host_delay_s",
    "GAZETTE_TIMEOUT_S": "timeout_s",
    "GAZETTE_MAX_BYTES": "max_bytes",
    "GAZETTE_RESPECT_ROBOTS": "respect_robots",
    "GAZETTE_ALLOW_PRIVATE_HOSTS": "allow_private_hosts",
}


def describe_errors(exc: ValidationError, origin: str) -> str:
    """One line per error: where, which key, why (and the key meant, for a typo)."""
    lines = []
    for err in exc.errors():
        key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(
            ".[", "["
        )
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key" + _did_you_mean(err["loc"])
        lines.append(f"{origin}: {key or '(top level)'}: {message}")
    return "\n".join(lines)


def _did_you_mean(loc: tuple[str | int, ...]) -> str:
    """The closest key the section does take, for a mistyped one."""
    model: Any = Settings
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(part)
        annotation = field_info.annotation if field_info else None
        inner = [a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)]
        model = annotation if isinstance(annotation, type) else (inner[0] if inner else None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    known = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known keys: {', '.join(known)}"


def load_settings(path: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Read and validate sources.toml; GAZETTE_* env vars and `overrides` win over the file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such sources file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    fetch = dict(raw.get("fetch", {}))
    for env, key in _ENV_FETCH.items():
        if env in os.environ:
            fetch[key] = os.environ[env]
    fetch.update((overrides or {}).get("fetch", {}))
    raw["fetch"] = fetch
    if "GAZETTE_RECOGNISER" in os.environ:
        raw["enrich"] = {**raw.get("enrich", {}), "recogniser": os.environ["GAZETTE_RECOGNISER"]}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, str(path))) from exc


def resolve_home(home: Path | None) -> Path:
    """--home, then GAZETTE_HOME, then ./data."""
    return Path(home or os.environ.get("GAZETTE_HOME") or "data").resolve()


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How one run goes, beyond sources.toml: what the CLI, the schedule and tests choose."""

    limit: int | None = None  # fetch at most this many articles
    command: str = "run"  # what ops.etl_run records
    since: datetime | None = None  # backfill window
    until: datetime | None = None
    refresh: bool = False  # refetch known articles and feeds unconditionally
    wait_s: float = 300.0  # for another run holding the home
    task_runner: str = "local"  # local | dask
    dask_address: str | None = None
    batch_size: int = field(
        default_factory=lambda: int(os.environ.get("GAZETTE_BATCH_SIZE", str(BATCH_SIZE)))
    )

    def __post_init__(self) -> None:
        if self.task_runner not in ("local", "dask"):
            raise ValueError(f"unknown task runner {self.task_runner!r}: use local or dask")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")


SOURCES_USED = "sources-used.txt"  # in the home: the sources file its last run read


def remember_sources(home: Path, sources: Path) -> None:
    """Which sources file the home's runs read, so that commands without one (validate,
    reprocess) judge the warehouse by the same [quality] as its runs did."""
    home.mkdir(parents=True, exist_ok=True)
    (home / SOURCES_USED).write_text(str(Path(sources).resolve()) + "\n", encoding="utf-8")


def quality_of(home: Path, sources: Path | None = None) -> QualitySettings:
    """[quality] as the home's runs read it: an explicit sources file (it must exist and be
    valid), else ./sources.toml if there is one, else the file the home's last run read, else
    the defaults. The demo's runs said PASS where a bare `validate` said WARN: it judged the
    demo's frozen archive by the default 48 hours."""
    if sources is not None:
        return load_settings(sources).quality
    remembered = home / SOURCES_USED
    for path in (Path("sources.toml"), Path(_read(remembered)) if remembered.exists() else None):
        if path is not None and path.exists():
            return load_settings(path).quality
    return QualitySettings()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()
