"""The code and commands of README.md, as the tests that run them read them."""

import re
from dataclasses import dataclass

from tests.support import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


def section(heading: str, text: str | None = None) -> str:
    """The text under ``heading`` (a whole heading line, e.g. ``### Add a route``), up to the next heading."""
    text = README.read_text() if text is None else text
    lines = text[text.index(f"\n{heading}\n") + len(heading) + 2 :].split("\n")
    fenced = False
    for number, line in enumerate(lines):
        fenced ^= line.startswith("```")
        if not fenced and line.startswith("#"):
            return "\n".join(lines[:number])
    return "\n".join(lines)


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of ``text``, in order."""
    return [Block(language, body) for language, body in _FENCE.findall(text)]
