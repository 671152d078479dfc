"""Pure text detectors over a rep's turn: words, sentences, questions, phrases, figures.

Why separate: these are the cheap, explainable half of turn analysis; each returns the
exact phrase it matched so a manager can see why a turn was tagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from coach.call.rules import QuestionRules

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&\-.]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,6}s?\b")
FIGURE = re.compile(r"(?<![\w.])(\$|€|£)?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(%|percent|k|m|bn|b|million|billion|"
                    r"thousand|x)?(?![\w])", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The words of a text (numbers count as words)."""
    return WORD.findall(text)


BRACKETED = re.compile(r"<(\w+)[^>]*>.*?</\1>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|<[^>]*>", re.DOTALL)


def strip_notes(text: str, phrases: Iterable[str]) -> tuple[str, list[str]]:
    """Remove the bracketed asides and sentences that contain any of `phrases`; (kept, removed).

    Why: a note addressed to whoever grades the call is not said to the buyer. Taking it out
    before the buyer hears it or the grader reads it means it can neither raise nor lower a
    grade: the call is judged as if it had not been written.
    """
    phrases = list(phrases)
    removed: list[str] = []

    def aside(match: re.Match[str]) -> str:
        if find_phrases(match.group(0), phrases):
            removed.append(match.group(0))
            return " "
        return match.group(0)

    without_asides = BRACKETED.sub(aside, text)
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", without_asides):
        if sentence.strip() and find_phrases(sentence, phrases):
            removed.append(sentence.strip())
        else:
            kept.append(sentence)
    return " ".join(" ".join(kept).split()), removed


def sentences(text: str) -> list[str]:
    """Sentences, split on end punctuation and line breaks."""
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


@lru_cache(maxsize=512)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase from the rules: plain words (an 's' plural also matches), `stem*`, or a regex."""
    if _is_regex(phrase):
        return re.compile(phrase, re.IGNORECASE)  # the rules file gave a regular expression
    stem = phrase.endswith("*")
    body = phrase[:-1] if stem else phrase
    escaped = re.escape(body.lower())
    start = r"\b" if body[:1].isalnum() else ""
    tail = "[a-z]*" if stem else ("s?" if body[-1:].isalpha() else "")
    end = r"\b" if body[-1:].isalnum() else ""
    return re.compile(f"{start}{escaped}{tail}{end}", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _is_regex(phrase: str) -> bool:
    body = phrase[:-1] if phrase.endswith("*") else phrase
    return any(ch in body for ch in "()[]\\|*+") or (body.endswith("?") and len(body) > 1 and "\\" in body)


@lru_cache(maxsize=4096)
def _must_contain(phrase: str) -> str:
    """Lower-case text a plain phrase cannot match without ('' for a regex): a cheap test first."""
    return "" if _is_regex(phrase) else (phrase[:-1] if phrase.endswith("*") else phrase).lower()


def find_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases found in the text, in rule order, each once: plain phrases as written in the
    rules, regular expressions as the words they matched (so reasons quote the rep, not a pattern)."""
    found = []
    lowered = text.lower()
    for phrase in phrases:
        if _must_contain(phrase) not in lowered:
            continue
        match = _phrase_pattern(phrase).search(text)
        if match:
            hit = match.group(0).strip(" ,.;:") if _is_regex(phrase) else phrase
            if hit not in found:
                found.append(hit)
    return found


_CONJUNCTION = re.compile(r"^(?:and|or|but|so|then|also)\s+")
# a statement with a tag that asks only for agreement: "Brutal winter, hasn't it?", "Busy week, right?"
_TAG = re.compile(r",\s*(?:(?:is|are|was|were|has|have|had|do|does|did|will|would|can|could|should|wo|ca)(?:n't)?"
                  r"\s+(?:it|he|she|they|you|we|there|that|i)|right|yeah|no|eh|correct|true)\s*\?$")


def classify_question(sentence: str, rules: QuestionRules) -> tuple[str, list[str]]:
    """(open | closed | leading, discovery kinds) for one question sentence."""
    lowered = sentence.lower().strip(" \"'")
    discovery = [kind for kind, cues in rules.discovery.items() if find_phrases(lowered, cues)]
    if find_phrases(lowered, rules.leading) or asks_agreement(lowered):
        return "leading", discovery
    clauses = [_CONJUNCTION.sub("", c.strip()) for c in re.split(r"[,:;—–]|\s-\s", lowered) if c.strip()]
    for clause in [lowered, *clauses[1:]]:  # "Before we start: what matters most?", "Is that right, and what…?"
        if any(clause.startswith(start + " ") or clause == start for start in rules.open_starts):
            return "open", discovery
    if any(lowered.startswith(start + " ") for start in rules.closed_starts):
        return "closed", discovery
    return "open" if discovery else "closed", discovery


def asks_agreement(sentence: str) -> bool:
    """A statement put to them with a tag ("..., isn't it?", "..., no?"): it says something and asks
    whether it holds."""
    return bool(_TAG.search(sentence.lower().strip(" \"'")))


def starts_closed(sentence: str, rules: QuestionRules) -> bool:
    """Does the question open with a yes/no word ("Do…", "Is…", "Would…"), after a name or a
    one-word lead-in ("Dana, do…", "So, is…")?"""
    lowered = sentence.lower().strip(" \"'")
    head, _, rest = lowered.partition(",")
    if rest and len(head.split()) <= 2:
        lowered = rest.strip()
    return any(lowered.startswith(start + " ") for start in rules.closed_starts)


def questions(text: str) -> list[str]:
    """Sentences that ask something."""
    return [s for s in sentences(text) if s.endswith("?")]


POINTING_BACK = frozenset({"it", "its", "that", "those", "these", "them", "they", "their", "this", "there", "he", "she"})


def in_context(text: str, max_words: int = 10, after: str | None = None) -> dict[str, str]:
    """Each question of the turn as it is meant: a question that points back in its first words ("Has that
    happened to you, and how did it go?"), a short one that points back at all ("Is it on your radar
    too?") or one of three words or fewer ("How come?", "Since when?") carries what was said just before
    it, which holds what it asks about: the sentence before it in the turn, or, when nothing but a word or
    two ("Got it.") comes before it, the buyer's last sentence (`after`) too."""
    said = sentences(text)
    out = {}
    for i, sentence in enumerate(said):
        if not sentence.endswith("?"):
            continue
        lowered = [w.lower() for w in words(sentence)]
        opens_turn = all(len(words(s)) <= 3 for s in said[:i])  # "Got it. Does that happen every quarter?"
        before = " ".join([after, *said[:i]]) if after and opens_turn else said[i - 1] if i else ""
        points_back = bool(set(lowered[:4]) & POINTING_BACK) or len(lowered) <= 3 or \
            (len(lowered) <= max_words and bool(set(lowered) & POINTING_BACK))
        out[sentence] = f"{before} {sentence}" if points_back and before and not before.endswith("?") else sentence
    return out


def acronyms(text: str, plain: Sequence[str]) -> list[str]:
    """Acronyms in the text that an executive would not use every day."""
    allowed = {a.upper() for a in plain}
    found = []
    for match in ACRONYM.findall(text):
        bare = match[:-1] if match.endswith("s") and match[:-1].isupper() else match
        if bare.upper() not in allowed and bare not in found:
            found.append(bare)
    return found


RANGE = re.compile(r"(?<![\w.])(\$|€|£)?(\d[\d,]*(?:\.\d+)?)\s*(?:to|-|–|→|up to|and)\s*(\$|€|£)?"
                   r"(\d[\d,]*(?:\.\d+)?)\s?(%|percent|k|m|bn|b|million|billion|thousand|x)(?![\w])", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9}


def spread_range_units(text: str) -> str:
    """'from 71 to 94 percent' → 'from 71percent to 94percent', so both ends are read as percentages."""
    def spread(m: re.Match[str]) -> str:
        currency = m[1] or m[3] or ""
        return f"{currency}{m[2]}{m[5]} to {currency}{m[4]}{m[5]}"
    return RANGE.sub(spread, text)


def figure_value(figure: str) -> tuple[float, str] | None:
    """(number, kind) of a normalised figure: '3.1m' → (3100000.0, 'amount'), '94%' → (94.0, '%')."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(%|k|m|b|x)?", figure)
    if match is None:
        return None
    number, unit = float(match[1]), match[2] or ""
    if unit in _SCALE:
        return number * _SCALE[unit], "amount"
    return number, unit or "amount"


def normalise_figure(number: str, unit: str | None) -> str:
    """A comparable form: '1,200' → '1200', '94 percent' → '94%', '$18M' → '18m'."""
    value = number.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    unit = (unit or "").lower()
    unit = {"percent": "%", "million": "m", "billion": "b", "bn": "b", "thousand": "k"}.get(unit, unit)
    return value + unit


def figures(text: str, exempt_units: Sequence[str] = ()) -> list[str]:
    """Figures stated in a text (amounts, percentages, counts), normalised; years and clock times skipped."""
    found: list[str] = []
    text = spread_range_units(text)
    for match in FIGURE.finditer(text):
        currency, number, unit = match.groups()
        if text[match.end():match.end() + 1] == "-":
            continue  # "13-week", "30-minute": part of a term, not a claim
        after = text[match.end():match.end() + 20].lower().split()
        if after and after[0].strip(".,;:") in exempt_units and not unit and not currency:
            continue
        plain = number.replace(",", "")
        if not unit and not currency and re.fullmatch(r"(19|20)\d\d", plain):
            continue  # a year
        if not unit and not currency and "." not in plain and int(plain) <= 10:
            continue  # "two teams", "3 things": speech, not a claim
        figure = normalise_figure(number, unit)
        if figure not in found:
            found.append(figure)
    return found
