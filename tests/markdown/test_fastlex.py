"""sitegen.markdown.fastlex finds each token's rule by one joined pattern: the tokens must be
exactly those of Pygments' own RegexLexer loop."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.token import Error, Text

from sitegen.fence import parse_fence_info
from sitegen.markdown.fastlex import _plan, speed_up
from sitegen.markdown.highlight import Highlighter

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpora" / "wolfgirl" / "content"

# A little of many languages, unbalanced quotes and brackets, a NUL and non-ASCII text: enough
# to move most lexers through several states, their Error fallback and the end-of-line reset.
SAMPLE = """#!/bin/sh
# comment -- with "quotes'
fn main() -> Result<(), E> { let x: &str = "a\\"b"; /* c */ x?.y::<T>(); }
def f(a, *b, **c):  return f'{a!r:>3}' + r"\\d" + b'\\x00'  # done
<div class="x" id='y'>&amp; <!-- c --></div><?php echo 1; ?>
echo $HOME ${X:-y} `date` $(( 1 + 2 )) >> /tmp/x 2>&1 <<EOF
{"a": [1, 2.5e-3, null, true], 'b': .5} -- @@ -1,2 +1 @@ [section] key = 0x1F
SELECT * FROM t WHERE a = 'it''s' ; (defun g (x) (* x 2)) \\begin{x} %% %}
\t\x00 é ü 日本 ∀x. λ → ☃ ` ' " ) ] } unterminated "string
"""


def _stock_and_fast(alias: str):
    stock = get_lexer_by_name(alias, stripnl=False, ensurenl=True)
    fast = speed_up(get_lexer_by_name(alias, stripnl=False, ensurenl=True))
    return stock, fast


@functools.cache
def _sped_up() -> dict[str, tuple]:
    """Alias → (stock lexer, sped-up lexer), for every lexer speed_up changes."""
    found = {}
    for _, names, _, _ in get_all_lexers(plugins=False):
        if names:
            pair = _stock_and_fast(names[0])
            if "get_tokens_unprocessed" in vars(pair[1]):
                found[names[0]] = pair
    return found


def test_most_lexers_are_sped_up() -> None:
    """RegexLexer's own loop is what most of Pygments' lexers use (Rust, TOML, shell, Python)."""
    aliases = set(_sped_up())
    assert {"rust", "toml", "bash", "python", "html", "diff"} <= aliases
    assert len(aliases) > 300


def test_every_sped_up_lexer_gives_pygments_tokens_on_a_mixed_sample() -> None:
    differ = []
    for alias, (stock, fast) in _sped_up().items():
        if list(fast.get_tokens(SAMPLE)) != list(stock.get_tokens(SAMPLE)):
            differ.append(alias)
    assert differ == []


def test_a_lexer_with_its_own_loop_is_left_alone() -> None:
    for alias in ("yaml", "json", "c", "console", "text"):
        lexer = get_lexer_by_name(alias)
        assert "get_tokens_unprocessed" not in vars(speed_up(lexer)), alias


def test_rules_that_cannot_be_joined_are_asked_alone_in_their_place() -> None:
    """Backreferences would point at another group once joined, and an inline global flag
    cannot stand inside an alternation: such rules keep their own step, between joined runs."""
    def rule(pattern: str, flags: int = re.M) -> tuple:
        return (re.compile(pattern, flags).match, Text, None)

    def shape(*rules: tuple) -> list:
        return [sorted(step.values()) if isinstance(step, dict) else step for _, step in _plan(list(rules))]

    assert shape(rule("a"), rule("b"), rule("")) == [[0, 1, 2]]
    assert shape(rule("(a)\\1"), rule("b"), rule("c")) == [0, [1, 2]]
    assert shape(rule("a"), rule("(?P<q>a)(?P=q)"), rule("b"), rule("c")) == [0, 1, [2, 3]]
    assert shape(rule("a"), rule("(?i)b"), rule("c")) == [0, 1, 2]
    assert shape(rule("a"), rule("b", re.M | re.S), rule("c", re.M | re.S)) == [0, [1, 2]]
    assert shape(rule("a # comment", re.X), rule("b", re.X)) == [0, 1]
    assert shape(rule("a"), (lambda text, pos: None, Error, None), rule("b")) == [0, 1, 2]


def test_a_rule_found_by_the_joined_pattern_gives_its_own_groups() -> None:
    """Callbacks (bygroups) read the rule's groups by number: the match must be the rule's own."""
    rules = [(re.compile(r"(x)(y)").match, Text, None), (re.compile(r"(a)(b)").match, Text, None)]
    step, groups = _plan(rules)[0]
    hit = step("ab", 0)
    assert groups[hit.lastindex] == 1
    assert rules[1][0]("ab", 0).group(2) == "b"


def _code_blocks(paths: list[Path]) -> list[tuple[str, str]]:
    md = MarkdownIt("commonmark")
    return [
        (parse_fence_info(token.info).lang, token.content)
        for path in paths
        for token in md.parse(path.read_text("utf-8"))
        if token.type == "fence" and token.content
    ]


def _compare(blocks: list[tuple[str, str]]) -> int:
    known = Highlighter()
    compared = 0
    for lang, code in blocks:
        if not lang or known.lexer(lang) is None:
            continue
        stock, fast = _stock_and_fast(lang)
        assert list(fast.get_tokens(code)) == list(stock.get_tokens(code)), (lang, code[:80])
        compared += 1
    return compared


def test_every_code_block_of_the_example_site_lexes_the_same() -> None:
    paths = sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "markdown" / "fixtures").glob("*.md"))
    assert _compare(_code_blocks(paths)) > 10


def test_every_code_block_of_the_wolfgirl_corpus_lexes_the_same() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the wolfgirl corpus is missing at {CORPUS}; CI must have it")
        pytest.skip(f"the wolfgirl corpus is not at {CORPUS}")
    assert _compare(_code_blocks(sorted(CORPUS.rglob("*.md")))) > 10
