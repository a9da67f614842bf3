"""`sitegen init --from`: config values every generator writes the same ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.importers import hugo, jekyll
from sitegen.importers.convert import author_name


@pytest.mark.parametrize("value", ["Ada Lovelace", {"name": "Ada Lovelace", "email": "ada@example.org"}])
def test_a_site_author_is_a_name_or_a_table_with_a_name(value: object, tmp_path: Path) -> None:
    assert hugo.plan({"title": "T", "params": {"author": value}}, tmp_path).settings["author"] == "Ada Lovelace"
    assert jekyll.plan({"title": "T", "author": value}, tmp_path).settings["author"] == "Ada Lovelace"


def test_the_first_author_given_wins_and_blanks_are_no_author() -> None:
    assert author_name({"email": "x@example.org"}, "  ", "Second", "Third") == "Second"
    assert author_name(None, {"name": 3}) is None
