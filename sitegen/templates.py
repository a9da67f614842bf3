"""The Jinja2 environment: theme lookup, filters, template dependency closure, clean errors."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sitegen.config import SiteConfig
from sitegen.errors import TemplateError
from sitegen.social.replies import ReplySources, reply_sources
from sitegen.template_env import make_environment
from sitegen.theme import template_dirs


def _date(value: dt.datetime | None, fmt: str = "%B %-d, %Y") -> str:
    return value.strftime(fmt) if value else ""


def _isodate(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


# A click-to-load video player (`[markdown] youtube = "embed"`): feed readers drop or mangle
# frames, so a feed keeps only the plain link beside it. The frame's document sits escaped in
# its srcdoc attribute, so no `>` ends the tag early.
_VIDEO_FRAME_RE = re.compile(r'<iframe class="video-embed"[^>]*></iframe>')


def _xml_text(value: Any) -> Markup:
    """Escape HTML (even Markup) once, for Atom's `<content type="html">`."""
    # str.__str__ turns Markup back into a plain str, so html.escape cannot be fooled by Markup's
    # own escaping of replace() arguments.
    plain = str.__str__(value) if isinstance(value, str) else str(value)
    if 'class="video-embed"' in plain:
        plain = _VIDEO_FRAME_RE.sub("", plain)
    return Markup(html.escape(plain, quote=False))


class Templates:
    def __init__(
        self, config: SiteConfig, cache_dir: Path | None, closures: dict[str, frozenset[str]] | None = None
    ) -> None:
        self.config = config
        self.dirs = template_dirs(config)
        cache = None
        if cache_dir is not None:
            (cache_dir / "jinja").mkdir(parents=True, exist_ok=True)
            cache = jinja2.FileSystemBytecodeCache(str(cache_dir / "jinja"))
        self.env = make_environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            # Asked for each context (each render and include): remember the answer per template name.
            autoescape=functools.lru_cache(maxsize=None)(
                jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=True)
            ),
            bytecode_cache=cache,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            undefined=jinja2.ChainableUndefined,
        )
        self.env.filters.update(date=_date, isodate=_isodate, xml_text=_xml_text, absolute=self.absolute)
        self.env.globals["reply_sources"] = self.reply_sources
        # Closures from the last build, valid while no template file changed: parsing templates
        # just to find their includes would otherwise cost every fresh process ~5 ms a template.
        self.closures: dict[str, frozenset[str]] = dict(closures or {})

    def absolute(self, url: str) -> str:
        return url if "://" in url else self.config.base_url + url

    def reply_sources(self, mastodon: str | None, bluesky_url: str | None) -> ReplySources:
        """`reply_sources(page.mastodon, page.bluesky_url)`: the API endpoints of a post's replies."""
        return reply_sources(mastodon, bluesky_url, self.config.replies.bluesky_appview)

    def source_path(self, name: str) -> Path | None:
        for d in self.dirs:
            path = d / name
            if path.is_file():
                return path
        return None

    def closure(self, name: str) -> frozenset[str]:
        """The template and everything it extends, includes or imports; "*" when a name is dynamic."""
        if name in self.closures:
            return self.closures[name]
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            refs = self.env.references.get(current)
            if refs is None:  # not compiled in this process (or compiled from the bytecode cache)
                path = self.source_path(current)
                if path is None:
                    continue
                try:
                    self.env.parse(path.read_text("utf-8"), current, str(path))
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateError(f"syntax error: {exc.message}", path, exc.lineno) from None
                refs = self.env.references[current]
            todo.extend(refs)
        result = frozenset(seen)
        self.closures[name] = result
        return result

    def prepare(self, names: Any) -> None:
        """Compile these templates and all they extend, include or import, before the build forks
        its workers: they share the result instead of each compiling every template again.
        A template that fails here is left alone; rendering it reports the error with its page."""
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in seen or name == "*":
                continue
            seen.add(name)
            try:
                self.env.get_template(name)
            except Exception:  # reported where the page renders
                continue
            todo.extend(self.env.references.get(name, ()))

    def render(self, name: str, context: dict[str, Any], for_what: str) -> str:
        try:
            template = self.env.get_template(name)
            return template.render(context)
        except jinja2.TemplateNotFound as exc:
            where = ", ".join(str(d) for d in self.dirs)
            message = f"template {exc.name!r} not found (looked in {where}) while rendering {for_what}"
            raise TemplateError(message) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"syntax error: {exc.message}", exc.filename or name, exc.lineno) from None
        except TemplateError:
            raise
        except Exception as exc:  # a template's runtime error: name the template line, not Python's
            path, line = _template_frame(exc)
            raise TemplateError(f"{type(exc).__name__}: {exc} (rendering {for_what})", path or name, line) from None


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".txt", ".htm")):
            found = (frame.filename, frame.lineno)
    return found
