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


def test_the_notes_that_temper_the_models_are_the_ones_the_doc_names() -> None:
    text = DOC.read_text()
    section = text[text.index("change how the models' scores act") : text.index("| code |")]
    named = set(re.findall(r"^- `([a-z_.]+)`", section, re.MULTILINE))
    assert named == {code for code, info in RULES.items() if info.tempers is not None}
