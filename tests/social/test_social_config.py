"""`[social.mastodon]` and `[social.bluesky]` in sitegen.toml: defaults, and mistakes named."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.errors import ConfigError


def site(tmp_path: Path, social: str) -> Path:
    (tmp_path / "content" / "blog").mkdir(parents=True)
    (tmp_path / "sitegen.toml").write_text(f'title = "T"\nbase_url = "https://example.org"\nlanguage = "de"\n{social}')
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    config = load_config(site(tmp_path, '[social.mastodon]\ninstance = "https://m.example/"\n'
                                        '[social.bluesky]\nhandle = "@me.example"\n'))
    masto, bsky = config.social.mastodon, config.social.bluesky
    assert masto is not None and bsky is not None
    assert (masto.instance, masto.token_env, masto.visibility, masto.collections) == (
        "https://m.example", "MASTODON_TOKEN", "public", ())
    assert (bsky.handle, bsky.service, bsky.appview, bsky.password_env) == (
        "me.example", "https://bsky.social", "https://public.api.bsky.app", "BLUESKY_APP_PASSWORD")
    assert load_config(site(tmp_path / "none", "")).social.mastodon is None


@pytest.mark.parametrize(("social", "message", "line"), [
    ('[social.mastodon]\ninstance = "https://m.example"\nvisibilty = "public"\n', "did you mean `visibility`", 6),
    ('[social.mastodon]\ntoken_env = "X"\n', "instance is required", 4),
    ('[social.mastodon]\ninstance = "https://m.example"\nvisibility = "everyone"\n', "visibility must be one of", 6),
    ('[social.mastodon]\ninstance = "https://m.example"\ntemplate = "{title}"\n', "must contain {url}", 6),
    ('[social.mastodon]\ninstance = "https://m.example"\ntemplate = "{url} {title.upper}"\n',
     "unknown placeholder", 6),
    ('[social.mastodon]\ninstance = "https://m.example"\ncollections = ["nope"]\n', "unknown collection", 6),
    ('[social.bluesky]\nservice = "https://bsky.social"\n', "handle is required", 4),
    ('[social.bluesky]\nhandle = "me"\ntimeout = 0\n', "timeout must be", 6),
    ('[social.fediverse]\n', "unknown setting `social.fediverse`", None),
])
def test_mistakes_are_named(tmp_path: Path, social: str, message: str, line: int | None) -> None:
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")) as err:
        load_config(site(tmp_path, social))
    if line is not None:
        assert err.value.line == line


def test_a_secret_written_where_a_variable_name_belongs_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(site(tmp_path, '[social.mastodon]\ninstance = "https://m.example"\ntoken_env = "s3cr3t-t0ken!"\n'))
    assert "s3cr3t" not in str(err.value) and "environment variable" in str(err.value)
