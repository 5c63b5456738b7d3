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
