"""`sitegen crosspost` end to end: the real CLI in a subprocess, the fake Mastodon and Bluesky
servers, and the built site served on loopback for the liveness check."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

from fakes.social import BLUESKY_PASSWORD, MASTODON_TOKEN
from social_support import REPO, SocialSite

CAFE = ("---\n# the café post\ntitle: 'Café 🐺 night'\ntags: [rust, home lab]\ndescription: \"A night out\"\n"
        "---\nBody.\n")
TOML = '+++\ntitle = "Toml post"   # keep me\ntags = ["nix"]\n\n[extra]\nfoo = 1\n+++\nBody\n'
CRLF = "---\r\ntitle: Windows post\r\n---\r\nBody\r\nno newline at the end"


def added_lines(before: bytes, after: bytes) -> list[str]:
    """The lines `after` adds to `before`; fails if it removes or changes any."""
    diff = list(difflib.ndiff(before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True)))
    assert not [d for d in diff if d.startswith("- ")], "".join(diff)
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_crosspost_posts_each_post_once_and_writes_one_line_per_network(social_site: SocialSite) -> None:
    files = {name: social_site.post(name, text) for name, text in
             (("2026-01-02-cafe.md", CAFE), ("2026-01-03-toml.md", TOML), ("2026-01-04-crlf.md", CRLF))}
    before = {name: path.read_bytes() for name, path in files.items()}
    social_site.build()

    proc = social_site.crosspost()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": posted ") == 6 and "crosspost: 6 posted" in proc.stdout

    masto, bsky = social_site.mastodon, social_site.bluesky
    statuses = masto.requests_to("post_status")
    assert len(statuses) == 3
    cafe_url = f"{social_site.base_url}/blog/cafe/"
    first = next(r for r in statuses if cafe_url in r.json["status"])
    assert first.header("Authorization") == f"Bearer {MASTODON_TOKEN}"
    assert first.json == {"status": f"Café 🐺 night\n\n{cafe_url}\n\n#rust #HomeLab", "visibility": "public",
                          "language": "en"}
    keys = {r.header("Idempotency-Key") for r in statuses}
    assert len(keys) == 3 and all(k and k.startswith("sitegen-") for k in keys)

    assert len(bsky.requests_to("createSession")) == 1  # one session for the whole run
    records = {r.json["record"]["text"].splitlines()[0]: r.json for r in bsky.requests_to("createRecord")}
    cafe = records["Café 🐺 night"]
    assert cafe["repo"] == bsky.did and cafe["collection"] == "app.bsky.feed.post"
    record = cafe["record"]
    text = record["text"]
    link = record["facets"][0]
    # "Café 🐺 night\n\n" is 14 characters but 18 bytes: é is 2 bytes, the wolf 4.
    assert link["index"] == {"byteStart": 18, "byteEnd": 18 + len(cafe_url)}
    assert text.encode()[18:18 + len(cafe_url)].decode() == cafe_url
    assert link["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": cafe_url}]
    assert [f["features"][0]["tag"] for f in record["facets"][1:]] == ["rust", "HomeLab"]
    assert record["embed"] == {"$type": "app.bsky.embed.external",
                               "external": {"uri": cafe_url, "title": "Café 🐺 night", "description": "A night out"}}
    assert record["langs"] == ["en"] and record["createdAt"].endswith("Z")

    for name, path in files.items():
        after = path.read_bytes()
        lines = added_lines(before[name], after)
        assert len(lines) == 2, lines
        url = f"{social_site.base_url}/blog/{name[11:-3]}/"
        status = next(s for s in masto.statuses.values() if url in s["text"])
        post_uri = next(u for u, p in bsky.posts.items() if url in p["record"]["text"])
        if name.endswith("toml.md"):
            assert lines == [f'mastodon = "{status["url"]}"\n', f'bluesky = "{post_uri}"\n']
            # Top level, before the [extra] table, the comment kept.
            assert after.decode().index("bluesky =") < after.decode().index("[extra]")
            assert '# keep me' in after.decode()
        elif name.endswith("crlf.md"):
            assert lines == [f"mastodon: {status['url']}\r\n", f"bluesky: {post_uri}\r\n"]
            assert after.endswith(b"no newline at the end")
        else:
            # The café post quotes its values, so the links are quoted too.
            assert lines == [f'mastodon: "{status["url"]}"\n', f'bluesky: "{post_uri}"\n']

    # Nothing new: a second run sends no request at all (not even the liveness check's).
    masto.clear_requests()
    bsky.clear_requests()
    again = social_site.crosspost()
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    assert masto.requests == [] and bsky.requests == []
    # And the site builds with the links ("discuss on").
    social_site.build()
    page = (social_site.root / "public" / "blog" / "cafe" / "index.html").read_text()
    assert next(iter(masto.statuses.values()))["url"] in page


def test_dry_run_shows_the_texts_and_sends_nothing(social_site: SocialSite) -> None:
    path = social_site.post("2026-01-02-cafe.md", CAFE)
    before = path.read_bytes()
    proc = social_site.crosspost("--dry-run", env={k: v for k, v in social_site.env.items()
                                                   if k not in ("MASTODON_TOKEN", "BLUESKY_APP_PASSWORD")})
    assert proc.returncode == 0, proc.stderr
    assert "mastodon (public, en) would post:" in proc.stdout
    assert "    #rust #HomeLab" in proc.stdout
    assert "facet bytes 18–" in proc.stdout
    assert social_site.mastodon.requests == [] and social_site.bluesky.requests == []
    assert path.read_bytes() == before


def test_a_post_that_is_not_live_is_skipped(social_site: SocialSite) -> None:
    path = social_site.post("2026-01-02-cafe.md", CAFE)
    before = path.read_bytes()
    proc = social_site.crosspost()  # not built: the page answers 404
    assert proc.returncode == 0, proc.stderr
    assert f"skipped: {social_site.base_url}/blog/cafe/ is not live yet (HTTP 404)" in proc.stdout
    assert social_site.mastodon.requests == [] and social_site.bluesky.requests == []
    assert path.read_bytes() == before


def test_faults_fail_one_post_and_network_each_and_the_rest_goes_on(social_site: SocialSite) -> None:
    paths = [social_site.post(f"2026-01-0{i}-p{i}.md", f"---\ntitle: Post {i}\n---\nBody {i}\n") for i in (1, 2, 3)]
    untitled = social_site.post("2026-01-05-untitled.md", "---\ntags: [x]\n---\nNo title here.\n")
    social_site.write_config(mastodon="timeout = 1")
    social_site.build()
    before = {p: p.read_bytes() for p in [*paths, untitled]}
    masto, bsky = social_site.mastodon, social_site.bluesky
    # Posts go oldest file first: p1, p2, p3. Mastodon: 5xx, then a hang, then fine.
    masto.fail("post_status", 503)
    masto.fail("post_status", hang=5)
    # Bluesky: the first record (p1) gets a malformed answer, the others go through.
    bsky.fail("createRecord", malformed=True)
    proc = social_site.crosspost()
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, proc.stderr
    assert any("p1.md: mastodon:" in e and "HTTP 503" in e for e in errors)
    assert any("p2.md: mastodon: no answer from" in e and "within 1 s" in e for e in errors)
    assert any("p1.md: bluesky:" in e and "malformed answer" in e for e in errors)
    assert sum("untitled.md" in e and "no title" in e for e in errors) == 2
    assert "Traceback" not in proc.stderr
    # The untitled post was never sent; the failed networks left their files untouched.
    assert not any("untitled" in json.dumps(r.json) for r in bsky.requests_to("createRecord"))
    assert untitled.read_bytes() == before[untitled]
    p1, p2, p3 = (p.read_bytes().decode() for p in paths)
    assert "mastodon:" not in p1 and "bluesky:" not in p1
    assert "mastodon:" not in p2 and "bluesky: at://" in p2
    assert "mastodon: http" in p3 and "bluesky: at://" in p3

    # The next run shares only what failed, and exits 0 once nothing fails.
    masto.clear_requests()
    bsky.clear_requests()
    retry = social_site.crosspost("--post", str(paths[0]), "--post", str(paths[1]))
    assert retry.returncode == 0, retry.stderr
    assert len(masto.requests_to("post_status")) == 2 and len(bsky.requests_to("createRecord")) == 1


def test_401_names_the_variable_and_no_secret_is_printed_recorded_or_written(social_site: SocialSite,
                                                                             tmp_path: Path) -> None:
    path = social_site.post("2026-01-02-cafe.md", CAFE)
    social_site.build()
    before = path.read_bytes()
    # A hostile or buggy server echoing the credentials back in its error must not get them printed.
    social_site.mastodon.fail("post_status", 401, body={"error": f"token {MASTODON_TOKEN} is invalid"})
    social_site.bluesky.fail("createSession", 401, body={"error": "AuthenticationRequired",
                                                         "message": f"bad password {BLUESKY_PASSWORD}"})
    proc = social_site.crosspost()
    assert proc.returncode == 1
    assert "mastodon:" in proc.stderr and "HTTP 401" in proc.stderr and "$MASTODON_TOKEN" in proc.stderr
    assert "$BLUESKY_APP_PASSWORD" in proc.stderr
    output = proc.stdout + proc.stderr
    assert MASTODON_TOKEN not in output and BLUESKY_PASSWORD not in output
    assert path.read_bytes() == before
    # Then a successful run: the journal and the files hold links, never the secrets.
    ok = social_site.crosspost()
    assert ok.returncode == 0, ok.stderr
    state = Path(social_site.env.get("XDG_STATE_HOME", "")) / "sitegen" / "crosspost"
    stored = b"".join(p.read_bytes() for p in state.iterdir()) + path.read_bytes()
    assert b"posted" in stored
    assert MASTODON_TOKEN.encode() not in stored and BLUESKY_PASSWORD.encode() not in stored


def run_killed(site: SocialSite, patch: str) -> None:
    """The real CLI, killed (SIGKILL, no cleanup) where `patch` calls die()."""
    code = (
        "import os, signal, sys\n"
        "import sitegen.social.crosspost as c\n"
        "def die(*a, **k): os.kill(os.getpid(), signal.SIGKILL)\n"
        f"{patch}"
        "from sitegen.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "crosspost", str(site.root)], env=site.env,
                          capture_output=True, text=True, timeout=60, cwd=site.root)
    assert proc.returncode == -9, proc.stderr


def kill_when_journaling(network: str) -> str:
    """After `network` answered, before the journal heard of it: an answer lost to a crash."""
    return ("record = c.Journal.record_posted\n"
            f"c.Journal.record_posted = lambda self, url, net, *a: die() if net == {network!r} "
            "else record(self, url, net, *a)\n")


def test_a_run_killed_between_posting_and_writing_back_never_posts_twice(social_site: SocialSite) -> None:
    path = social_site.post("2026-01-02-cafe.md", CAFE)
    social_site.build()
    before = path.read_bytes()
    run_killed(social_site, "c.write_atomically = die\n")  # the Mastodon link is journaled, not written
    assert path.read_bytes() == before
    assert len(social_site.mastodon.statuses) == 1 and social_site.bluesky.posts == {}

    again = social_site.crosspost()
    assert again.returncode == 0, again.stderr
    assert "posted by an earlier run, now written" in again.stdout
    assert len(social_site.mastodon.requests_to("post_status")) == 1  # never asked again
    assert len(social_site.mastodon.statuses) == 1 and len(social_site.bluesky.posts) == 1
    assert added_lines(before, path.read_bytes()) == [
        f'mastodon: "{next(iter(social_site.mastodon.statuses.values()))["url"]}"\n',
        f'bluesky: "{next(iter(social_site.bluesky.posts))}"\n']


def test_an_answer_lost_to_a_crash_is_not_posted_again(social_site: SocialSite) -> None:
    path = social_site.post("2026-01-02-cafe.md", CAFE)
    social_site.build()
    before = path.read_bytes()
    run_killed(social_site, kill_when_journaling("mastodon"))
    run_killed(social_site, kill_when_journaling("bluesky"))
    assert len(social_site.mastodon.statuses) == 1 and len(social_site.bluesky.posts) == 1
    final = social_site.crosspost()
    assert final.returncode == 0, final.stderr
    # Mastodon was asked twice with one Idempotency-Key and answered with the same status;
    # Bluesky's record key was journaled before the request and looked up, not posted again.
    keys = [r.header("Idempotency-Key") for r in social_site.mastodon.requests_to("post_status")]
    assert len(keys) == 2 and len(set(keys)) == 1
    assert len(social_site.bluesky.requests_to("createRecord")) == 1
    assert len(social_site.bluesky.requests_to("getRecord")) == 1
    assert len(social_site.mastodon.statuses) == 1 and len(social_site.bluesky.posts) == 1
    assert added_lines(before, path.read_bytes()) == [
        f'mastodon: "{next(iter(social_site.mastodon.statuses.values()))["url"]}"\n',
        f'bluesky: "{next(iter(social_site.bluesky.posts))}"\n']


def test_expired_session_is_refreshed_once_and_429_waited_out(social_site: SocialSite) -> None:
    social_site.post("2026-01-02-a.md", "---\ntitle: A\n---\nA\n")
    social_site.build()
    bsky = social_site.bluesky
    bsky.fail("createRecord", 400, body={"error": "ExpiredToken", "message": "Token has expired"})
    social_site.mastodon.rate_limit("post_status", reset_in=1)
    proc = social_site.crosspost()
    assert proc.returncode == 0, proc.stderr
    assert len(bsky.requests_to("refreshSession")) == 1
    created = bsky.requests_to("createRecord")
    assert len(created) == 2 and created[0].header("Authorization") != created[1].header("Authorization")
    assert len(social_site.mastodon.requests_to("post_status")) == 2
    assert len(social_site.mastodon.statuses) == 1


def test_cli_usage_errors(social_site: SocialSite, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\ntitle: x\n---\n")
    proc = social_site.crosspost("--post", str(outside))
    assert proc.returncode == 1 and "not a post of this site" in proc.stderr
    (social_site.root / "sitegen.toml").write_text(
        f'title = "x"\nbase_url = "{social_site.base_url}"\n[social.mastodon]\ninstance = "https://m.example"\n'
        'visibilty = "public"\n')
    proc = social_site.crosspost()
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "sitegen.toml:5:" in proc.stderr and "visibility" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert REPO.exists()


def test_secrets_from_a_secrets_file(social_site: SocialSite, tmp_path: Path) -> None:
    social_site.post("2026-01-02-a.md", "---\ntitle: A\n---\nA\n")
    social_site.build()
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"MASTODON_TOKEN={MASTODON_TOKEN}\nexport BLUESKY_APP_PASSWORD='{BLUESKY_PASSWORD}'\n")
    secrets.chmod(0o600)
    env = {k: v for k, v in social_site.env.items() if k not in ("MASTODON_TOKEN", "BLUESKY_APP_PASSWORD")}
    proc = social_site.crosspost("--secrets-file", str(secrets), env=env)
    assert proc.returncode == 0, proc.stderr
    assert social_site.mastodon.requests_to("post_status")[0].header("Authorization") == f"Bearer {MASTODON_TOKEN}"
    assert social_site.bluesky.requests_to("createSession")[0].json["password"] == BLUESKY_PASSWORD
