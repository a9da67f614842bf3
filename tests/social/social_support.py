"""A small site served over loopback (for crosspost's liveness check), configured to share its
posts on the fake Mastodon and Bluesky servers; the `social_site` fixture is in conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

from fakes.social import BLUESKY_HANDLE, BLUESKY_PASSWORD, MASTODON_TOKEN, FakeBluesky, FakeMastodon

REPO = Path(__file__).resolve().parents[2]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class SocialSite:
    root: Path
    base_url: str
    mastodon: FakeMastodon
    bluesky: FakeBluesky

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(REPO), "MASTODON_TOKEN": MASTODON_TOKEN,
                "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}

    def write_config(self, extra: str = "", mastodon: str = "", bluesky: str = "") -> None:
        (self.root / "sitegen.toml").write_text(
            f'title = "Social test"\nbase_url = "{self.base_url}"\nlanguage = "en"\n{extra}\n'
            f'[social.mastodon]\ninstance = "{self.mastodon.base_url}"\ntoken_env = "MASTODON_TOKEN"\n{mastodon}\n'
            f'[social.bluesky]\nservice = "{self.bluesky.base_url}"\nhandle = "{BLUESKY_HANDLE}"\n'
            f'password_env = "BLUESKY_APP_PASSWORD"\nappview = "{self.bluesky.base_url}"\n{bluesky}\n',
            encoding="utf-8")

    def post(self, name: str, text: str | bytes) -> Path:
        path = self.root / "content" / "blog" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        return path

    def build(self) -> None:
        proc = self.sitegen("build", str(self.root))
        assert proc.returncode == 0, proc.stderr

    def sitegen(self, *args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sitegen", *args], capture_output=True, text=True,
                              env=env or self.env, timeout=timeout, cwd=self.root)

    def crosspost(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.sitegen("crosspost", str(self.root), *args, env=env)
