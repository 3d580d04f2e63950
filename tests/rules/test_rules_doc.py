"""docs/rules.md lists every rule code with the category and default action the code gives it."""

from __future__ import annotations

import re
from pathlib import Path

from service.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_every_rule_code_is_documented_as_the_catalogue_has_it() -> None:
    rows = {
        match.group(1): (match.group(2), match.group(3), match.group(4))
        for match in re.finditer(
            r"^\| `([a-z_.]+)` \| (\w+) \| (\w+) \| (.+) \|$", DOC.read_text(), re.MULTILINE
        )
    }
    assert rows == {code: (info.category, info.action, info.message) for code, info in RULES.items()}
