"""Pygments' RegexLexer loop with one regex match per token instead of one per rule tried.

`RegexLexer.get_tokens_unprocessed` tries the rules of the current state in order, calling each
rule's compiled `match` at the current position until one matches; the Rust lexer's root state
has dozens of rules, so most of a code block's lexing time was failed matches called from
Python. Here a state's patterns are also joined into one alternation,
`(?:rule0)(?P<_0>)|(?:rule1)(?P<_1>)|…`, matched once: Python's `re` tries the alternatives left to
right and takes the first that can match at the position, which is the rule Pygments' loop would
pick. The whole match is what that rule alone matches there (the alternatives sit at the
pattern's top level and the empty marker group after each always matches: nothing can make the
engine backtrack into a rule), and the marker, the last group to close, names the rule. Marking
a rule after it rather than wrapping it in a group keeps the rule's first character test first
in its alternative, which `re` checks before entering it: most alternatives are passed over at
that test (a fifth less lexing time than wrapper groups). A rule whose action is a token type
needs only the matched text; for a callback (`bygroups`, `using`) the rule's own `match` runs
at the same position, so the match object it receives is exactly Pygments'. The state-stack
handling below is Pygments' own, line for line.

A rule stays a step of its own, asked in its place between the joined runs, when joining would
change what it means: a pattern that refers to a group by number or by name (the joined pattern
renumbers groups), a verbose pattern, a matcher that is not a compiled pattern's `match`. Runs
are cut where the flags change (a rule compiled with `(?s)`), and a run `re` refuses to compile
is asked rule by rule. Only lexers whose class uses RegexLexer's own loop are sped up
(`speed_up`); others (ExtendedRegexLexer, lexers that post-process the loop's tokens) are left
as they are.

tests/markdown/test_fastlex.py compares tokens with Pygments' loop for every lexer Pygments has,
on the code blocks of the example site and the wolfgirl corpus, and on text made to hit the
Error and end-of-line fallbacks.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

# A backreference by number or name, or a conditional on a group: joined, they would point at
# another group.
_GROUP_REF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|\\g<")

# A state's plan: its rules in order, consecutive joinable ones as one step. Each step is
# (match, wrapper group index → rule index) for a joined run, or (match, rule index) for a rule
# of its own.
Plan = list[tuple[Callable[..., Any], "dict[int, int] | int"]]

# id(a state's rule list) → (the list, kept so that the id stays its own; its plan). By list, not
# by state name: lexers with `token_variants` build their rules per instance.
_PLANS: dict[int, tuple[list[Any], Plan]] = {}


# The source of the loop copied below (Pygments 2.20): another Pygments whose loop differs keeps
# its own until this copy is checked against it.
_COPIED_LOOP = "dda6229f98c72106e727537e3b57432b79b38517f8900671f3800d248e3867fe"


@functools.cache
def _same_loop() -> bool:
    try:
        source = inspect.getsource(RegexLexer.get_tokens_unprocessed)
    except (OSError, TypeError):
        return False
    return hashlib.sha256(source.encode()).hexdigest() == _COPIED_LOOP


def speed_up(lexer: Lexer) -> Lexer:
    """`lexer` itself, lexing with the joined-pattern loop when its class uses RegexLexer's loop."""
    if (
        isinstance(lexer, RegexLexer)
        and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed
        and _same_loop()
    ):
        lexer.get_tokens_unprocessed = types.MethodType(get_tokens_unprocessed, lexer)  # type: ignore[method-assign]
    return lexer


def _joinable(rexmatch: Any) -> re.Pattern[str] | None:
    pattern = getattr(rexmatch, "__self__", None)
    if (
        isinstance(pattern, re.Pattern)
        and isinstance(pattern.pattern, str)
        and getattr(rexmatch, "__name__", "") == "match"
        and not pattern.flags & re.VERBOSE
        and not _GROUP_REF.search(pattern.pattern)
    ):
        return pattern
    return None


def _plan(rules: list[Any]) -> Plan:
    """The steps for one state: runs of joinable rules with the same flags (an empty pattern,
    Pygments' `default(state)`, matches alike under any flags) become one alternation."""
    try:
        return _PLANS[id(rules)][1]
    except KeyError:
        pass
    runs: list[list[int]] = []
    run_flags: int | None = None
    for i, (rexmatch, _, _) in enumerate(rules):
        pattern = _joinable(rexmatch)
        if pattern is None:
            runs.append([i])
            runs.append([])
            run_flags = None
            continue
        if pattern.pattern and run_flags is not None and pattern.flags != run_flags:
            runs.append([])
            run_flags = None
        if not runs:
            runs.append([])
        runs[-1].append(i)
        if pattern.pattern:
            run_flags = pattern.flags
    plan: Plan = []
    for run in runs:
        if len(run) > 1:
            joined = _join([rules[i][0].__self__ for i in run])
            if joined is not None:
                match, groups = joined
                plan.append((match, {group: run[n] for group, n in groups.items()}))
                continue
        plan.extend((rules[i][0], i) for i in run)
    _PLANS[id(rules)] = (rules, plan)
    return plan


def _join(patterns: list[re.Pattern[str]]) -> tuple[Callable[..., Any], dict[int, int]] | None:
    """`(?:p0)(?P<_0>)|(?:p1)(?P<_1>)|…` compiled with the run's flags, and marker group index →
    position in the run; None if `re` refuses it (a pattern with an inline global flag such as `(?s)`)."""
    flags = {p.flags for p in patterns if p.pattern}
    flag = flags.pop() if flags else patterns[0].flags
    try:
        joined = re.compile("|".join(f"(?:{p.pattern})(?P<_{i}>)" for i, p in enumerate(patterns)), flag)
    except (re.error, OverflowError, RecursionError):
        return None
    if joined.flags != flag:
        return None
    return joined.match, {joined.groupindex[f"_{i}"]: i for i in range(len(patterns))}


def get_tokens_unprocessed(
    self: RegexLexer, text: str, stack: tuple[str, ...] = ("root",)
) -> Iterator[tuple[int, Any, str]]:
    """RegexLexer.get_tokens_unprocessed (Pygments 2.20), the rule found by the state's joined pattern."""
    pos = 0
    tokendefs = self._tokens
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    plan = _plan(statetokens)
    while 1:
        m = None
        for step, rule in plan:
            m = step(text, pos)
            if m:
                if type(rule) is int:
                    _, action, new_state = statetokens[rule]
                else:
                    # The first alternative that matched is the first rule that matches here;
                    # its marker group, the last to close, names it.
                    rule = rule[m.lastindex]
                    _, action, new_state = statetokens[rule]
                    if action is not None and type(action) is not _TokenType:
                        # A callback (`bygroups`, `using`) gets the rule's own match and groups.
                        m = statetokens[rule][0](text, pos)
                break
        if m:
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(self, m)
            pos = m.end()
            if new_state is not None:
                # state transition
                if isinstance(new_state, tuple):
                    for state in new_state:
                        if state == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif state == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(state)
                elif isinstance(new_state, int):
                    # pop, but keep at least one state on the stack
                    if abs(new_state) >= len(statestack):
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise AssertionError(f"wrong state def: {new_state!r}")
                statetokens = tokendefs[statestack[-1]]
                plan = _plan(statetokens)
            continue
        # No rule of the state matches here.
        try:
            if text[pos] == "\n":
                # at EOL, reset state to "root"
                statestack = ["root"]
                statetokens = tokendefs["root"]
                plan = _plan(statetokens)
                yield pos, Whitespace, "\n"
                pos += 1
                continue
            yield pos, Error, text[pos]
            pos += 1
        except IndexError:
            break
