"""Short replies people type between requests: yes/no, cancel, "list them", corrections, numbers and ordinals.

One place for them, so a request ("the second one" picks a next step) and an answer to a question ("第二个", "最后一个",
"no wait, production") mean the same thing in both languages.
"""

from __future__ import annotations

import re

# "cancel", "never mind", "forget it", "算了", "不用了" (and "ok, cancel that", "算了吧，不用了"): the question is dropped
CANCEL = re.compile(r"^\s*(?:(?:ok(?:ay)?|oh|ah|hmm|no|nah|well|嗯|哦|那|那就)\s*[,，]?\s*)?"
                    r"(?:cancel(?: (?:that|it|this))?|never ?mind(?: that)?|forget (?:it|that|about it)|stop|abort|quit it|"
                    r"drop it|skip it|leave it|算了|算了吧|取消|取消吧|不用了|不要了|不看了|先不看了|先不了|退出这个)"
                    r"(?:\s*[,，]?\s*(?:thanks|thank you|please|谢谢|吧|算了|不用了|never ?mind))?\s*[.!。！]?\s*$", re.I)
# a refusal: at a question that is not a yes/no ("which pod?"), it drops the question like cancel ("n" alone is asked
# again: it may be the start of a name)
REFUSAL = re.compile(r"^\s*(?:no|nope|nah|no thanks|no thank you|don'?t|do not|not now|不|不用|不要|先不要|别|不行|不了|"
                     r"不需要|不想要?)\s*[.!。！]?\s*$", re.I)
LIST_THEM = re.compile(
    r"list (them|all|it)|show (me )?(them|all|the list|options)|you list|not sure|i don'?t know|dunno|no idea|"
    r"which (ones|are there)|不确定|不知道|列出来|列一下|你列|都有哪些|全部列|所有的|^\s*(?:都|还)?有哪些\s*[？?]?\s*$|"
    r"^\s*全部\s*$",
    re.I,
)
YES = re.compile(r"^\s*(y|yes|yeah|yep|yup|ok|okay|sure|go|go ahead|run|run them|do it|please do|confirm|"
                 r"好|好的|好啊|是|是的|可以|行|执行|确认|继续|对|嗯|没问题)\s*[.!。！]?\s*$", re.I)
NO = re.compile(r"^\s*(n|no|nope|nah|don'?t|do not|not now|stop|不|不用|不要|先不要|别|不行|否|不了|取消|算了)"
                r"\s*[.!。！]?\s*$", re.I)
# "no wait, production", "actually dev", "I meant production", "不对，是 production", "不是 dev，是 production"
CORRECTION = re.compile(
    r"^\s*(?:(?:no+\s*,?\s*wait|wait|nope|no|sorry|oops|actually|i\s+meant|i\s+mean|not\s+that(?:\s+one)?)\b|"
    r"不对|不是|错了|我是说|我说的是|应该是|改成|换成)\s*[,，.。:：!！]?\s*", re.I)
CORRECTION_VALUE = re.compile(r"(?:[,，]\s*(?:是|it'?s|it is|i meant|but)\s*|\bi meant\s+|\bit'?s\s+|是\s*)"
                              r"([a-z0-9][a-z0-9\-.]*)\s*[.。!！]?\s*$", re.I)

# "#12", "option 2", "第2个": a digit string over 6 long is not a choice (and never an int overflow)
_FILLER = r"(?:(?:uh|um|er|ok|okay|so|then|well|maybe|hmm|嗯|那|就|那就|我选|选)\s*[,，]?\s*)?"
_NUMBER = re.compile(r"^\s*" + _FILLER + r"(?:#|no\.?\s*|number\s+|option\s+|choice\s+|选\s*|第)?\s*(\d{1,6})\s*"
                     r"(?:个|号|项|条)?\s*(?:please|pls|thanks|吧|好了|就行)?\s*[.!。]?\s*$", re.I)
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10}
_EN_NUMBER_REPLY = re.compile(r"^\s*(?:#|number\s+|option\s+|choice\s+)?(" + "|".join(_EN_NUMBERS) + r")\s*(?:please)?"
                              r"\s*[.!]?\s*$", re.I)
# an environment named in words, for the namespace of that name (the first one the cluster has)
ENVIRONMENTS = {"生产环境": ("production", "prod"), "生产": ("production", "prod"), "开发环境": ("dev", "development"),
                "开发": ("dev", "development"), "测试环境": ("test", "staging", "qa"), "预发": ("staging",)}
NEGATED = re.compile(r"\bnot\s+(?:the\s+)?[a-z0-9][a-z0-9\-.]*|不是\s*[a-z0-9][a-z0-9\-.]*", re.I)
_NEGATIVE = re.compile(r"^\s*(?:#|option\s+)?-\s*(\d{1,6})\s*$")
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_ORDINAL = re.compile(r"^\s*(?:那|就|选|要|我要|那就|就要)?\s*(倒数)?\s*第\s*([一二两三四五六七八九十]|\d{1,2})\s*"
                         r"(?:个|项|号|条|行)?\s*(?:吧|的|呢|好了|那个)?\s*[.!。？?]?\s*$")
_ZH_LAST = re.compile(r"^\s*(?:那|就|选|要|我要|那就)?\s*最后(?:一个|那个|一项|一条|一行)\s*(?:吧|的|呢|好了)?\s*[.!。？?]?\s*$")
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                "ninth": 9, "tenth": 10, "last": -1, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6,
                "7th": 7, "8th": 8, "9th": 9, "10th": 10}
_EN_ORDINAL_REPLY = re.compile(
    r"^\s*(?:the\s+|pick\s+(?:the\s+)?|take\s+(?:the\s+)?)?(" + "|".join(_EN_ORDINALS) + r")"
    r"(?:\s+(?:one|option|choice|pod|deployment|namespace|item))?\s*(?:please|pls)?\s*[.!]?\s*$", re.I)
_SECOND_TO_LAST = re.compile(r"^\s*(?:the\s+)?(?:second|2nd)[\s-]+(?:to[\s-]+)?last(?:\s+one)?\s*$|^\s*倒数第二个?\s*$", re.I)
ORDINAL_WORD = re.compile(r"\b(?:the\s+)?(" + "|".join(_EN_ORDINALS) + r")\s+(?:one|pod|deployment|row|item|node)\b|"
                          r"(倒数)?第\s*([一二两三四五六七八九十]|\d{1,2})\s*(?:个|行|项)|最后(?:一个|那个|一行)", re.I)


def choice_number(text: str) -> int | None:
    """The option a reply picks: "2", "#2", "option 2", "第二个", "2nd", "the second one" → 2; "the last one",
    "最后一个" → -1; "倒数第二个" → -2. None when the text is not a pick."""
    m = _NUMBER.match(text)
    if m:
        return int(m.group(1))
    if _SECOND_TO_LAST.match(text):
        return -2
    m = _ZH_ORDINAL.match(text)
    if m:
        index = int(m.group(2)) if m.group(2).isdigit() else _ZH_DIGITS[m.group(2)]
        return -index if m.group(1) else index
    if _ZH_LAST.match(text):
        return -1
    m = _EN_ORDINAL_REPLY.match(text)
    if m:
        return _EN_ORDINALS[m.group(1).lower()]
    m = _EN_NUMBER_REPLY.match(text)
    if m:
        return _EN_NUMBERS[m.group(1).lower()]
    return None


_ZH_COUNT = re.compile(r"^\s*(?:改成|改为|扩到|缩到|设为|到)?\s*([一二两三四五六七八九十])\s*(?:个|份|台)?\s*(?:副本|实例|吧)?\s*[.。!！]?\s*$")
_EN_COUNT = re.compile(r"\b(" + "|".join(_EN_NUMBERS) + r")\b", re.I)


def number_word(text: str) -> int | None:
    """A count said in words, for an open question ("three", "make it five", "三个"); None when there is none."""
    m = _ZH_COUNT.match(text)
    if m:
        return _ZH_DIGITS[m.group(1)]
    if re.search(r"\d", text):
        return None
    words = _EN_COUNT.findall(text)
    return _EN_NUMBERS[words[0].lower()] if len(words) == 1 else None


def negative_number(text: str) -> int | None:
    """"-1" typed as an answer: a number that picks nothing (never "the last one")."""
    m = _NEGATIVE.match(text)
    return -int(m.group(1)) if m else None


def ordinal_in(text: str) -> int | None:
    """An ordinal inside a request: "describe the first one", "第二个的日志", "the last pod" (-1: the last)."""
    m = ORDINAL_WORD.search(text)
    if not m:
        return None
    if m.group(1):
        return _EN_ORDINALS[m.group(1).lower()]
    if m.group(3):
        index = int(m.group(3)) if m.group(3).isdigit() else _ZH_DIGITS[m.group(3)]
        return -index if m.group(2) else index
    return -1


def correction(text: str) -> str | None:
    """The corrected value of "no wait, production" / "不对，是 production" / "不是 dev，是 production"; else None."""
    m = CORRECTION.match(text)
    if not m or m.end() == 0:
        return None
    rest = text[m.end():].strip()
    after = CORRECTION_VALUE.search(text)
    if after:
        return after.group(1)
    return rest.strip(" .。!！") or None
