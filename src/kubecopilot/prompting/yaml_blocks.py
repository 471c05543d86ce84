"""Where a Secret's ``data:`` block sits in YAML text: the line arithmetic the sanitizer's YAML pass needs."""

from __future__ import annotations

import re

KIND_SECRET = re.compile(r"^[ \t]*(?:-[ \t]+)?kind:[ \t]*[\"']?Secret[\"']?[ \t]*$", re.MULTILINE)


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def keyindent(line: str) -> int:
    """Column of the first key on the line ("  - kind: Secret" → 4)."""
    m = re.match(r"[ \t]*(?:-[ \t]+)?", line)
    return m.end() if m else 0


def yaml_mapping_is_secret(lines: list[str], at: int, key_col: int) -> bool:
    """Whether the YAML mapping holding the ``data:`` key on line ``at`` has ``kind: Secret`` as a sibling."""
    for step in (-1, 1):
        if step == -1 and opens_item(lines[at], key_col):
            continue  # data: is the item's first key; its siblings are all below
        j = at + step
        while 0 <= j < len(lines):
            line, j = lines[j], j + step
            if not line.strip():
                continue
            if line.startswith("---") or keyindent(line) < key_col or (indent(line) < key_col
                                                                        and not opens_item(line, key_col)):
                break  # left the mapping
            if opens_item(line, key_col) and step == 1:
                break  # the next list item
            if keyindent(line) == key_col and KIND_SECRET.match(line):
                return True
            if opens_item(line, key_col):
                break  # upwards, the first key of our item was the last sibling
    return False


def opens_item(line: str, key_col: int) -> bool:
    return line.lstrip().startswith("- ") and keyindent(line) == key_col and indent(line) < key_col
