"""Bad configs are rejected before anything runs, naming the key and the reason."""

import pytest

from flows.config import ConfigError, load_settings


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_good_config_and_env_override(tmp_path, monkeypatch):
    path = write(
        tmp_path,
        '[fetch]\nper_host_delay_s = 2\n[[sources]]\nname = "A"\nfeeds = ["https://a.test/rss"]\n',
    )
    monkeypatch.setenv("GAZETTE_PER_HOST_DELAY_S", "0.5")
    settings = load_settings(path)
    assert settings.fetch.per_host_delay_s == 0.5
    assert settings.fetch.allow_private_hosts is False
    assert settings.fetch.respect_robots is True


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[[sources]]\nname = "A"\nfeeds = ["ftp://x"]\n', "sources[0].feeds[0]"),
        ('[[sources]]\nname = "A"\n', "give at least one of"),
        (
            '[fetch]\ntimeout_s = -1\n[[sources]]\nname = "A"\nurls=["http://a"]\n',
            "fetch.timeout_s",
        ),
        (
            '[fetch]\nuser_agent = "curl"\n[[sources]]\nname = "A"\nurls=["http://a"]\n',
            "user_agent",
        ),
        ('[[sources]]\nname = "A"\nurls=["http://a"]\nfeedz = []\n', "feedz"),
        (
            '[[sources]]\nname = "A"\nurls=["http://a"]\n[[sources]]\nname = "A"\nurls=["http://b"]\n',
            "repeated: A",
        ),
        ("[[sources]\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, names):
    with pytest.raises(ConfigError, match=names.replace("[", r"\[").replace(".", r"\.")):
        load_settings(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such sources file"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("section", "source", "message"),
    [
        (
            "",
            "article_pattern = '/20(\\d\\d/'\n",
            r"sources\[0\]\.article_pattern: not a pattern gazette can match in linear time \("
            r"missing \)",
        ),
        (  # RE2 has no look-arounds: said when the file is read, not half way into a run
            "",
            "article_pattern = '/news/(?!video)'\n",
            r"sources\[0\]\.article_pattern: not a pattern gazette can match in linear time.*"
            r"without look-arounds or back-references",
        ),
        (  # a header that would break every request: refused here, by its key
            '[fetch]\nuser_agent = "gazette/1 (+https://x.test)\\r\\nX-Evil: 1"\n',
            "",
            r"fetch\.user_agent: .*one line",
        ),
        ("", 'feeds = ["http://exa mple.com/rss"]\n', r"sources\[0\]\.feeds\[0\]: not a valid URL"),
        ("", 'sitemaps = ["https://"]\n', r"sources\[0\]\.sitemaps\[0\]: not a valid URL"),
        ("", "max_artcles = 5\n", r"max_artcles: unknown key; did you mean 'max_articles'\?"),
        ('[schedule]\ncron = "0 25 * * *"\n', "", r"schedule\.cron: Invalid cron string"),
        (
            '[schedule]\ntimezone = "Europe/Pariss"\n',
            "",
            r"schedule\.timezone: unknown time zone 'Europe/Pariss' \(did you mean 'Europe/Paris'",
        ),
        ("[fetch]\ntimeout_s = inf\n", "", r"fetch\.timeout_s: Input should be a finite number"),
        (
            "[fetch]\nper_host_delay_s = nan\n",
            "",
            r"fetch\.per_host_delay_s: Input should be a finite",
        ),
        ("[fetch]\nper_host_delay = 2\n", "", r"did you mean 'per_host_delay_s'\?"),
        ("[qualty]\nfreshness_hours = 2\n", "", r"qualty: unknown key; did you mean 'quality'\?"),
    ],
)
def test_what_would_fail_at_run_time_fails_when_read_naming_the_key(
    tmp_path, section, source, message
):
    """Regexes, URLs, crons, time zones and numbers, and a typo's likely key."""
    text = f'{section}[[sources]]\nname = "A"\nurls = ["https://a.test/x"]\n{source}'
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text))


def test_the_schedule_is_read_from_the_file(tmp_path):
    path = write(
        tmp_path,
        '[schedule]\ncron = "30 3 * * *"\ntimezone = "Europe/London"\n'
        '[[sources]]\nname = "A"\nurls = ["https://a.test/x"]\n',
    )
    schedule = load_settings(path).schedule
    assert (schedule.cron, schedule.timezone) == ("30 3 * * *", "Europe/London")
