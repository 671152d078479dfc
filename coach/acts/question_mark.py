"""Questions typed without their question mark ("ok so what does the deal desk do today").

Why: chat and dictated text often drop the mark, and everything downstream (what the buyer answers,
discovery in the grade) hears a question by it. Whether an unmarked sentence asks something is
learned, not listed: the rep bank's own sentences, their end marks stripped, teach it (a "?" had
one, a "." or "!" did not), so "What we do is quite different…" stays a statement while "whats the
biggest reason deals slip" becomes a question. Pure helpers here; the model lives in the act reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from coach.acts.model import ModelSettings

_ENDS = ".?!"
_LAST_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_UNMARKED_END = re.compile(r"[\w)%$'\"]$")  # a line that stops on a word, not on punctuation


class QuestionMarkSettings(BaseModel):
    """How the "asks without a mark" model is built and how sure it must be (`coach/data/acts.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: ModelSettings
    above: float = Field(ge=0, le=1)  # a question mark is added only when the model is this sure


def stripped(text: str) -> tuple[str, bool] | None:
    """A bank sentence's last sentence without its end mark, and whether that mark was "?" (None when
    the text does not end on a mark, so nothing can be learned from it)."""
    text = text.strip()
    if not text or text[-1] not in _ENDS:
        return None
    last = _LAST_SENTENCE.split(text)[-1].rstrip(_ENDS + " ")
    return (last, text.endswith("?")) if last else None


def training_pairs(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(sentences without their mark, "asks" | "tells") for the model to learn from."""
    pairs = [found for text in texts if (found := stripped(text)) is not None]
    return [sentence for sentence, _ in pairs], ["asks" if asked else "tells" for _, asked in pairs]


def _unmarked(text: str) -> dict[int, str]:
    """Line number -> its last sentence, for each line that stops on a word, not a mark: the only places
    a mark can be missing (a sentence before another one ended on its mark, or it would not be separate)."""
    return {i: _LAST_SENTENCE.split(line.strip())[-1] for i, line in enumerate(text.splitlines())
            if line.strip() and _UNMARKED_END.search(line.strip())}


def unmarked_endings(text: str) -> list[str]:
    """The line endings that may be missing their mark, in order."""
    return list(_unmarked(text).values())


def punctuate(text: str, asks: Callable[[list[str]], Sequence[float]], above: float) -> str:
    """The text with "?" after each unmarked line ending that `asks` (the learned model) is sure
    asks something; everything else exactly as typed."""
    endings = _unmarked(text)
    if not endings:
        return text
    sure = {i for i, p in zip(endings, asks(list(endings.values())), strict=True) if p >= above}
    if not sure:
        return text
    return "\n".join(f"{line.rstrip()}?" if i in sure else line for i, line in enumerate(text.splitlines()))
