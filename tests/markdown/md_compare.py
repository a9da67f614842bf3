"""What the fast-path tests share: the tokens and env a parser leaves, and the generated documents
(lines of Markdown a test lists, and scraps of them mixed with single characters)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def parsed(md: Any, text: str) -> tuple[list[dict], str]:
    """The tokens (children included) and what parsing left in env (footnotes, references):
    all the renderer reads."""
    env: dict = {"docId": "t"}
    tokens = [tok.as_dict() for tok in md.parse(text, env)]
    # The footnote plugin's inline rule sets up an empty env["footnotes"] wherever it is asked,
    # even where it cannot match; empty or absent reads the same (footnote_tail checks the list).
    if env.get("footnotes") == {"refs": {}, "list": {}}:
        del env["footnotes"]
    return tokens, repr(env)


def documents(lines: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Up to 30 of the lines, one after another."""
    return st.lists(lines, max_size=30).map("\n".join)


def scraps(lines: st.SearchStrategy[str], chars: list[str]) -> st.SearchStrategy[str]:
    """Lines, single characters and short random text run together, up to 40 pieces."""
    return st.lists(st.one_of(lines, st.sampled_from(chars), st.text(max_size=6)), max_size=40).map("".join)
