"""`sitegen crosspost`: share each published post that lacks a network's link on that network,
then write the link into the post's front matter.

For each post: the texts are made (text.py); a link an earlier run created but never wrote is
taken from the journal (journal.py) without a request; otherwise the post's page must answer
200 at its public URL, then it is posted (mastodon.py, bluesky.py), journaled, and written
back as one new front matter line (writeback.py). A failure is one message for that post and
network; the other posts and networks go on, and the exit status says whether any failed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sitegen import content as content_mod
from sitegen.config import CONFIG_NAME, SiteConfig, load_config
from sitegen.errors import ConfigError, SitegenError, SocialError
from sitegen.frontmatter import Document
from sitegen.social import text as texts
from sitegen.social.api import Api, Transport, host_of, redact, urllib_transport
from sitegen.social.bluesky import Bluesky, new_tid
from sitegen.social.journal import Journal, resolve_state_dir
from sitegen.social.mastodon import post_status
from sitegen.social.writeback import insert_key, write_atomically
from sitegen.urls import href

NETWORKS = ("mastodon", "bluesky")
LIVENESS_TIMEOUT = 20.0
MAX_POSTS = 10
"""More posts than this in one run looks like a first run over an archive: refused unless asked."""


@dataclass
class Post:
    """A post that may need sharing."""

    source: str
    """Its path from the site folder (content/blog/x.md), as messages name it."""
    path: Path
    doc: Document
    record: Any
    """The `PageRecord` the build would make of it."""
    url: str
    """Its public URL: base_url + permalink."""
    missing: list[str] = field(default_factory=list)
    """Networks it has no link for and that share its collection."""


@dataclass
class Report:
    out: TextIO
    err: TextIO
    secrets: list[str] = field(default_factory=list)
    posted: int = 0
    recovered: int = 0
    skipped: int = 0
    failed: int = 0

    def say(self, line: str) -> None:
        print(redact(line, self.secrets), file=self.out, flush=True)

    def fail(self, where: str, message: str) -> None:
        self.failed += 1
        print(redact(f"error: {where}: {message}", self.secrets), file=self.err, flush=True)


def _network_config(config: SiteConfig, name: str) -> Any:
    return getattr(config.social, name)


def _shared_collections(config: SiteConfig, name: str) -> tuple[str, ...]:
    chosen = _network_config(config, name).collections
    return chosen or tuple(c.name for c in config.collections if c.dated and c.listed)


def _content_files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.endswith((".md", ".markdown")) and not name.startswith((".", "_")):
                found.append(Path(folder) / name)
    return found


def _read_post(config: SiteConfig, path: Path, report: Report) -> Post | None:
    try:
        key = path.resolve().relative_to(config.content_dir.resolve()).as_posix()
    except ValueError:
        report.fail(str(path), f"not a post of this site (it is not under {config.content_dir})")
        return None
    source = config.source_name(key)
    coll = config.collection(content_mod.collection_name(key, config.folder_collections()))
    if coll is None:
        report.fail(source, "not in a collection of this site")
        return None
    try:
        data = (config.content_dir / key).read_bytes()
        doc, record = content_mod.parse_page(data, key, coll, config)
    except SitegenError as exc:
        report.fail(exc.location() or source, exc.message)
        return None
    except OSError as exc:
        report.fail(source, f"cannot read it: {exc.strerror or exc}")
        return None
    return Post(source=source, path=config.content_dir / key, doc=doc, record=record,
                url=config.base_url + href(record.path_url))


def find_posts(config: SiteConfig, explicit: Sequence[Path], report: Report, now: datetime) -> list[Post]:
    """The published posts some configured network has no link for (or the `explicit` ones)."""
    networks = [n for n in NETWORKS if _network_config(config, n) is not None]
    if explicit:
        paths = list(dict.fromkeys(p.resolve() for p in explicit))
    else:
        wanted = {c for n in networks for c in _shared_collections(config, n)}
        folders = sorted({coll.folder or coll.name for coll in config.collections if coll.name in wanted})
        paths = [p for folder in folders for p in _content_files(config.content_dir / folder)]
    posts = []
    for path in paths:
        post = _read_post(config, path, report)
        if post is None:
            continue
        record = post.record
        if record.section:
            continue
        if record.draft or (record.date is not None and record.date > now):
            if explicit:
                report.skipped += 1
                report.say(f"{post.source}: skipped: {'a draft' if record.draft else 'not published yet'}")
            continue
        shared = [n for n in networks if record.collection in _shared_collections(config, n)
                  and (explicit or not _before_since(config, n, record.date))]
        if explicit and not shared:
            report.fail(post.source, f"the collection {record.collection!r} is not crossposted "
                                     "(see `collections` under [social.mastodon] / [social.bluesky])")
            continue
        post.missing = [n for n in shared if post.doc.meta.get(n) in (None, "")]
        if post.missing:
            posts.append(post)
    return posts


def _before_since(config: SiteConfig, network: str, date: datetime | None) -> bool:
    since = _network_config(config, network).since
    return since is not None and date is not None and date.date() < since


class _Words:
    """Titles and descriptions as plain words, rendering Markdown only for posts that need it."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._renderer: Any = None
        self._made: dict[str, texts.PostInfo] = {}

    def info(self, post: Post) -> texts.PostInfo:
        if post.source not in self._made:
            self._made[post.source] = self._info(post)
        return self._made[post.source]

    def _info(self, post: Post) -> texts.PostInfo:
        from sitegen.markdown import Renderer

        if self._renderer is None:
            self._renderer = Renderer(heading_ids=self.config.heading_ids,
                                      summary_separator=self.config.summary_separator)
        record = post.record
        title = self._renderer.render_inline(str(post.doc.meta.get("title") or ""), links=False)[1]
        description = record.description
        if description:
            description = self._renderer.render_inline(description)[1]
        else:
            try:
                rendered = self._renderer.render(post.doc.body, doc_id="crosspost", source=post.source,
                                                 read_include=lambda _path: "")
                summary = rendered.summary
                description = summary if rendered.summary_marked else content_mod.cut_summary(
                    summary, self.config.summary_length)
            except SitegenError:
                description = ""
        tags = record.terms.get("tags", ()) or next(iter(record.terms.values()), ())
        return texts.PostInfo(title=title.strip(), url=post.url, description=description.strip(), tags=tuple(tags))


def _text_for(config: SiteConfig, network: str, info: texts.PostInfo) -> str:
    cfg = _network_config(config, network)
    if network == "mastodon":
        return texts.fit(cfg.template, info, texts.MASTODON_LIMIT, texts.mastodon_length, "Mastodon")
    return texts.fit(cfg.template, info, texts.BLUESKY_LIMIT, len, "Bluesky")


def _language(config: SiteConfig, network: str) -> str:
    return _network_config(config, network).language or config.language


def _secret(config: SiteConfig, network: str, environ: Mapping[str, str], extra: Mapping[str, str]) -> str:
    name = _env(config, network)
    value = environ.get(name) or extra.get(name)
    if not value:
        raise SocialError(f"${name} is not set: export it, or put it in the file given to --secrets-file")
    return value


def _is_live(transport: Transport, url: str) -> tuple[bool, str]:
    try:
        response = transport("GET", url, {"Accept": "text/html"}, None, LIVENESS_TIMEOUT)
    except TimeoutError:
        return False, f"no answer within {LIVENESS_TIMEOUT:g} s"
    except OSError as exc:
        return False, f"cannot reach {host_of(url)}: {getattr(exc, 'strerror', None) or exc}"
    return response.status == 200, f"HTTP {response.status}"


def _write_back(post: Post, network: str, link: str, journal: Journal) -> None:
    data = post.path.read_bytes()
    write_atomically(post.path, insert_key(data, network, link, post.source))
    journal.record_written(post.url, network)


def crosspost(
    site_dir: Path,
    *,
    posts: Sequence[Path] = (),
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    transport: Transport = urllib_transport,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    state_dir: Path | None = None,
    max_posts: int = MAX_POSTS,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one crosspost of the site; 0 when nothing failed, 1 otherwise."""
    environ = os.environ if environ is None else environ
    secrets = dict(secrets or {})
    config = load_config(site_dir)
    networks = [n for n in NETWORKS if _network_config(config, n) is not None]
    if not networks:
        raise ConfigError("nothing to crosspost to: add [social.mastodon] and/or [social.bluesky] "
                          "(see the configuration page)", site_dir / CONFIG_NAME)
    report = Report(out or sys.stdout, err or sys.stderr)
    # Every secret the run may see, masked in anything it prints.
    names = [_env(config, n) for n in networks]
    report.secrets = [v for name in names for v in (environ.get(name), secrets.get(name)) if v]
    now = datetime.fromtimestamp(clock(), config.tz)
    words = _Words(config)
    candidates = find_posts(config, posts, report, now)
    if dry_run:
        for post in candidates:
            _dry_run(config, post, words, report)
        _summary(report, dry_run=True)
        return 1 if report.failed else 0

    if not posts and len(candidates) > max_posts:
        sample = ", ".join(p.source for p in candidates[:3])
        raise SocialError(
            f"{len(candidates)} posts have no link yet ({sample}, …): more than {max_posts} at once looks like "
            "the archive, not new posts. Set `since = <first day to share>` under [social.mastodon] / "
            "[social.bluesky], share some with --post FILE, or pass --max-posts N; --dry-run lists them",
            site_dir / CONFIG_NAME)
    apis = {n: Api(n, transport, _network_config(config, n).timeout, clock, sleep, secrets=tuple(report.secrets))
            for n in networks}
    clients: dict[str, Any] = {}
    with Journal(resolve_state_dir(state_dir, environ), config.root) as journal:
        for post in candidates:
            _share(config, post, words, journal, apis, clients, environ, secrets, transport, report)
    _summary(report, dry_run=False)
    return 1 if report.failed else 0


def _env(config: SiteConfig, network: str) -> str:
    cfg = _network_config(config, network)
    return cfg.token_env if network == "mastodon" else cfg.password_env


def _texts(config: SiteConfig, post: Post, words: _Words, report: Report) -> dict[str, str]:
    """Each missing network's text; a post without a title, or too long a text, fails here."""
    if not str(post.doc.meta.get("title") or "").strip():
        for network in post.missing:
            report.fail(post.source, f"{network}: no title: add `title:` to the front matter, or the post "
                                     "would be shared as a bare link")
        return {}
    info = words.info(post)
    made = {}
    for network in post.missing:
        try:
            made[network] = _text_for(config, network, info)
        except SocialError as exc:
            report.fail(post.source, f"{network}: {exc.message}")
    return made


def _dry_run(config: SiteConfig, post: Post, words: _Words, report: Report) -> None:
    for network, body in _texts(config, post, words, report).items():
        cfg = _network_config(config, network)
        how = f"{cfg.visibility}, {_language(config, network)}" if network == "mastodon" else \
            _language(config, network)
        report.say(f"{post.source}: {network} ({how}) would post:")
        for line in body.splitlines() or [""]:
            report.say(f"    {line}" if line else "")
        if network == "bluesky":
            for facet in texts.bluesky_facets(body, post.url):
                feature = facet["features"][0]
                what = feature.get("uri") or "#" + feature.get("tag", "")
                report.say(f"    facet bytes {facet['index']['byteStart']}–{facet['index']['byteEnd']}: {what}")
        report.posted += 1


def _share(config: SiteConfig, post: Post, words: _Words, journal: Journal, apis: dict[str, Api],
           clients: dict[str, Any], environ: Mapping[str, str], secrets: Mapping[str, str],
           transport: Transport, report: Report) -> None:
    remaining = []
    for network in post.missing:
        link = journal.posted_link(post.url, network)
        if link is None:
            remaining.append(network)
            continue
        # Posted by a run that stopped before writing the link: write it, post nothing.
        try:
            _write_back(post, network, link, journal)
        except (SitegenError, OSError) as exc:
            report.fail(post.source, f"{network}: posted earlier as {link} but the link could not be written: "
                                     f"{_reason(exc)}")
            continue
        report.recovered += 1
        report.say(f"{post.source}: {network}: {link} (posted by an earlier run, now written)")
    if not remaining:
        return
    post.missing = remaining
    made = _texts(config, post, words, report)
    if not made:
        return
    live, why = _is_live(transport, post.url)
    if not live:
        report.skipped += 1
        report.say(f"{post.source}: skipped: {post.url} is not live yet ({why}); publish it, then run crosspost again")
        return
    for network, body in made.items():
        try:
            link = _post(config, network, post, body, words, apis[network], clients, environ, secrets, journal)
        except SocialError as exc:
            report.fail(post.source, f"{network}: {exc.message}")
            continue
        journal.record_posted(post.url, network, post.source, link)
        try:
            _write_back(post, network, link, journal)
        except (SitegenError, OSError) as exc:
            report.fail(post.source, f"{network}: posted as {link}, but the link could not be written: {_reason(exc)} "
                                     "(the next run writes it without posting again)")
            continue
        report.posted += 1
        report.say(f"{post.source}: {network}: posted {link}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SitegenError):
        return exc.message
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _post(config: SiteConfig, network: str, post: Post, body: str, words: _Words, api: Api,
          clients: dict[str, Any], environ: Mapping[str, str], secrets: Mapping[str, str], journal: Journal) -> str:
    secret = _secret(config, network, environ, secrets)
    language = _language(config, network)
    if network == "mastodon":
        return post_status(api, config.social.mastodon, secret, body, post.url, language)  # type: ignore[arg-type]
    client = clients.get(network)
    if client is None:
        client = clients[network] = Bluesky(api, config.social.bluesky, secret)  # type: ignore[arg-type]
    rkey = journal.intended_key(post.url, network)
    if rkey is not None:
        # An earlier run chose this key and stopped before it heard back: it may have posted.
        found = client.find_post(rkey)
        if found is not None:
            return found
    else:
        rkey = new_tid(api.clock())
        journal.record_intent(post.url, network, post.source, rkey)
    created = datetime.fromtimestamp(api.clock(), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return client.create_post(texts.bluesky_record(body, words.info(post), created, language), rkey)


def _summary(report: Report, dry_run: bool) -> None:
    if dry_run:
        report.say(f"dry run: {report.posted} post(s) would be sent, nothing was sent"
                   + (f"; {report.failed} problem(s)" if report.failed else ""))
        return
    parts = [f"{report.posted} posted"]
    if report.recovered:
        parts.append(f"{report.recovered} written from the journal")
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    if report.failed:
        parts.append(f"{report.failed} failed")
    if report.posted or report.recovered or report.skipped or report.failed:
        report.say("crosspost: " + ", ".join(parts))
    else:
        report.say("crosspost: nothing to do (every published post has its links)")
