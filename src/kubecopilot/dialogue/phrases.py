"""Short replies people type between requests: yes/no, cancel, "list them", a number or an ordinal.

One place for them, so the rule engine (which names them as intents) and the reply resolver (which answers a
pending question with them) agree on what "the second one" or "算了" means.
"""

from __future__ import annotations

import re

CANCEL = re.compile(r"^\s*(cancel|never ?mind|forget (it|that)|stop|abort|quit it|算了|算了吧|取消|不用了|不要了|退出这个)"
                    r"\s*[.!。！]?\s*$", re.I)
LIST_THEM = re.compile(
    r"list (them|all|it)|show (me )?(them|all|the list|options)|you list|not sure|i don'?t know|dunno|no idea|"
    r"which (ones|are there)|不确定|不知道|列出来|列一下|你列|都有哪些|有哪些|全部|所有的",
    re.I,
)
YES = re.compile(r"^\s*(y|yes|yeah|ok|okay|sure|go|go ahead|run|run them|do it|好|好的|是|是的|可以|执行|确认|继续|1)"
                 r"\s*[.!。！]?\s*$", re.I)
NO = re.compile(r"^\s*(n|no|nope|cancel|stop|不|不用|不要|取消|算了|2)\s*[.!。！]?\s*$", re.I)

# "#12" picks an option; a digit string over 6 long is not a choice (and never an int overflow)
_NUMBER = re.compile(r"^\s*(?:#|no\.?\s*|number\s+|option\s+|choice\s+|第)?\s*(\d{1,6})\s*(?:个|号|项)?\s*[.!。]?\s*$",
                     re.I)
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_ORDINAL = re.compile(r"^\s*(?:那|就|选|要|我要|那就)?\s*第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?:个|项|号|条)?\s*"
                         r"(?:吧|的|呢|好了)?\s*[.!。？?]?\s*$")
_EN_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1}
_EN_ORDINAL_REPLY = re.compile(r"^\s*(?:the\s+)?(first|second|third|fourth|fifth|sixth|last)(?:\s+(?:one|option|choice))?"
                               r"\s*(?:please)?\s*[.!]?\s*$", re.I)


def choice_number(text: str) -> int | None:
    """The option a reply picks: "2", "#2", "option 2", "第二个", "the second one" → 2; "the last one" → -1."""
    m = _NUMBER.match(text)
    if m:
        return int(m.group(1))
    m = _ZH_ORDINAL.match(text)
    if m:
        return int(m.group(1)) if m.group(1).isdigit() else _ZH_DIGITS[m.group(1)]
    m = _EN_ORDINAL_REPLY.match(text)
    if m:
        return _EN_ORDINAL[m.group(1).lower()]
    return None
