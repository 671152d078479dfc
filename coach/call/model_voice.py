"""The model voice and its guard: the model may only rephrase the composed line.

Why: a small local model rambles, agrees when told to leave, and may blurt out a hidden
fact. A reply is accepted only when it is short, in character, close in meaning to the
composed line, consistent with the move and leaks no unrevealed fact; otherwise the
composed line is spoken. The accepted share is counted per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from coach.call import lexicon
from coach.call.policy import Move
from coach.retrieval.embeddings import MiniLMEmbedder
from coach.errors import ModelError
from coach.llm import LLM, ChatMessage, GenerationParams
from coach.llm.tokens import truncate_to_tokens
from coach.log import get_logger
from coach.content.personas import Persona
from coach.prompts import load_prompt

log = get_logger("voice")
REASON_TOKENS = 24  # the reason is context, not content: bounded so prompts stay flat
KNOWLEDGE_TOKENS = 120  # retrieved value-proposition text for this title, likewise bounded


class GuardRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_words: int
    max_length_ratio: float
    min_similarity: float
    hidden_fact_similarity: float
    out_of_character: list[str]
    meta_text: list[str] = []  # talk about the line instead of the line ("Here's a revised version:")
    agreement: list[str]
    move_meanings: dict[str, str]


@lru_cache(maxsize=1)
def load_guard_rules() -> GuardRules:
    """The shipped guard thresholds and word lists."""
    text = resources.files("coach.data").joinpath("guard.yaml").read_text(encoding="utf-8")
    return GuardRules.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str
    similarity: float = 0.0


def clean_reply(text: str) -> str:
    """One spoken line: first paragraph, no surrounding quotes or speaker label."""
    first = text.strip().split("\n\n", 1)[0].strip()
    first = re.sub(r"^[A-Z][\w .'-]{0,40}:\s+", "", first)  # "Dana Okafor: ..."
    return " ".join(first.strip(" \"'“”").split())


_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred "
                 "thousand million billion half quarter double twice percent").split()


def numbers_in(text: str) -> set[str]:
    """Digits and number words in a text ("forty-two" → {"forty", "two"})."""
    lowered = text.lower()
    found = set(re.findall(r"\d+(?:\.\d+)?", lowered.replace(",", "")))
    found |= {w for w in re.findall(r"[a-z]+", lowered) if w in _NUMBER_WORDS}
    return found


_NEGATION = re.compile(r"\b(?:not|no|never|nobody|nothing|none|neither|nor|without|cannot)\b|n't\b")


def negations(text: str) -> int:
    """How many negations a line holds ("don't", "never", "no one"): a reply with more or fewer than
    its line may say the opposite."""
    return len(_NEGATION.findall(text.lower().replace("’", "'")))


def _second_person(text: str) -> int:
    return len(re.findall(r"\b(?:your|yours|you'll|you're|you've)\b", text.lower()))


def check(reply: str, composed: str, move: Move, unrevealed: list[str], embedder: MiniLMEmbedder,
          rules: GuardRules, similar_to: str | None = None) -> Verdict:
    """Accept a model reply only if it passes every check; the reason names the first failure.

    `similar_to` is the part of the composed line the reply must stay close to in meaning
    (the whole line by default; the first sentences of it while a reply is still streaming).
    """
    words = lexicon.words(reply)
    if not words:
        return Verdict(False, "empty reply")
    limit = min(rules.max_words, max(12, round(len(lexicon.words(composed)) * rules.max_length_ratio)))
    if len(words) > limit:
        return Verdict(False, f"too long ({len(words)} words > {limit})")
    padded = f" {reply.lower()} "
    broken = [p for p in rules.out_of_character if p in padded]
    if broken:
        return Verdict(False, f"out of character ({broken[0].strip()})")
    meta = [p for p in rules.meta_text if p in padded]
    if meta:
        return Verdict(False, f"talks about the line instead of saying it ({meta[0].strip()})")
    if negations(reply) != negations(similar_to or composed):
        return Verdict(False, "may say the opposite (a negation added or dropped)")
    if move in ("disengage", "warn", "delegate", "probe") and lexicon.find_phrases(reply, rules.agreement):
        return Verdict(False, f"agrees while the move is {move}")
    if _second_person(reply) > _second_person(composed):
        return Verdict(False, "changes who is speaking (more 'you/your' than the line)")
    new_numbers = numbers_in(reply) - numbers_in(composed)
    if new_numbers:
        return Verdict(False, f"changes or adds a number ({sorted(new_numbers)[0]})")
    composed_figures = set(lexicon.figures(composed))
    fact_figures = {f for fact in unrevealed for f in lexicon.figures(fact)}
    leaked = [f for f in lexicon.figures(reply) if f in fact_figures and f not in composed_figures]
    if leaked:
        return Verdict(False, f"states an unrevealed hidden fact ({leaked[0]})")
    vectors = embedder.embed([reply, similar_to or composed, *unrevealed])
    similarity = float(vectors[0] @ vectors[1])
    if similarity < rules.min_similarity:
        return Verdict(False, f"drifts from the line (similarity {similarity:.2f})", similarity)
    for fact_vector in vectors[2:]:
        if float(vectors[0] @ fact_vector) >= rules.hidden_fact_similarity:
            return Verdict(False, "too close to an unrevealed hidden fact", similarity)
    dropped = numbers_in(similar_to or composed) - numbers_in(reply)
    if dropped:  # a fact or figure the line carries must still be said
        return Verdict(False, f"drops a number ({sorted(dropped)[0]})", similarity)
    return Verdict(True, "ok", similarity)


def prompt_for(persona: Persona, move: Move, reason: str, composed: str, history: list[ChatMessage],
               rules: GuardRules, *, simple: bool = False, knowledge: Sequence[str] = (),
               fact: str = "") -> list[ChatMessage]:
    """The messages that ask the model to rephrase the composed line in character.

    `simple` is for small models: measured on SmolLM2-135M, a bare paraphrase request passed the
    guard for 10 of 14 persona lines, the in-character prompt for 0 of 4.
    """
    if simple:
        return [ChatMessage(role="user", content=load_prompt("buyer_rephrase").format(composed=composed))]
    system = load_prompt("buyer").format(
        name=persona.name, title=persona.title, company=persona.company.name, industry=persona.company.industry,
        size=persona.company.size, style=persona.voice.style, goals="; ".join(persona.goals[:3]),
        priorities="; ".join(persona.priorities[:2]), move_meaning=rules.move_meanings.get(move, move),
        reason=truncate_to_tokens(reason, REASON_TOKENS, "gpt-4o"), composed=composed, max_words=rules.max_words,
        background=truncate_to_tokens(" ".join(" ".join(k.split()) for k in knowledge) or "-", KNOWLEDGE_TOKENS,
                                      "gpt-4o"),
        fact_line=f"The one private fact you may share now: {fact}\n" if fact else "")
    return [ChatMessage(role="system", content=system), *history[-4:],
            ChatMessage(role="user", content=f"(Say the line now, as {persona.name}.)")]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'”’])\s+")


def sentences(text: str) -> list[str]:
    """Sentences of a line, split after . ! or ? followed by a space."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]


def split_finished(buffer: str) -> tuple[list[str], str]:
    """(finished sentences, the unfinished rest) of streamed text."""
    parts = _SENTENCE_END.split(buffer)
    return [p.strip() for p in parts[:-1] if p.strip()], parts[-1]


@dataclass
class VoiceStream:
    """The buyer's line, released a sentence at a time.

    Why: a rep should see the buyer start talking at once, but nothing unchecked may reach
    the screen. Each sentence is released only when the reply so far passes the guard
    (compared with the same number of sentences of the composed line). If a later sentence
    fails, or the model fails mid-reply, the line is finished with the rest of the composed
    line, so the turn still says what the move needs. Iterate it; then read `line`,
    `source` ("model" | "composed") and `why`.
    """

    composed: str
    chunks: Iterator[str] | None
    accept: Callable[[str, str], Verdict]
    failure: str = ""
    on_done: Callable[[VoiceStream], None] | None = None
    line: str = ""
    source: str = "composed"
    why: str = ""

    def __iter__(self) -> Iterator[str]:
        spoken, count, why = "", 0, self.failure or "ok"
        composed_sentences = sentences(self.composed)
        try:
            for sentence in self._held_with_the_next(self._model_sentences()):
                candidate = f"{spoken} {sentence}" if spoken else clean_reply(sentence)
                # the reply so far against as many of the line's sentences as it says best (one sentence
                # of the reply may say two of the line's)
                tried = [(self.accept(candidate, " ".join(composed_sentences[:n])), n)
                         for n in range(count + 1, max(count + 1, len(composed_sentences)) + 1)]
                passed = [(v, n) for v, n in tried if v.accepted]
                if not passed:
                    why = tried[-1][0].reason
                    break
                verdict, covered = max(passed, key=lambda pair: pair[0].similarity)
                piece, spoken, count = candidate[len(spoken):], candidate, covered
                yield piece
        except ModelError as exc:
            why = f"model unavailable: {exc.problem}"
        finally:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()  # stop generating what will not be shown
        if not spoken:
            if why == "ok":  # the model said nothing at all
                why = "model unavailable: it gave an empty reply"
            self.line, self.source, self.why = self.composed, "composed", why
            yield self.composed
        else:
            rest = composed_sentences[count:] if why != "ok" else []
            if not rest and (numbers_in(" ".join(composed_sentences[count:])) - numbers_in(spoken)
                             or spoken.rstrip().endswith(":")):
                rest = composed_sentences[count:]  # the reply left a figure out, or stopped at what it introduces
            if rest:
                yield " " + " ".join(rest)
                why = f"finished with the composed line ({why if why != 'ok' else 'the reply stopped short'})"
            self.line, self.source, self.why = " ".join([spoken, *rest]), "model", why
        if self.on_done is not None:
            self.on_done(self)

    @staticmethod
    def _held_with_the_next(said: Iterator[str], min_words: int = 4) -> Iterator[str]:
        """Sentences to check, a very short one ("Honestly?", "Look.") joined to the next: alone it
        says too little to be compared with the line."""
        held = ""
        for sentence in said:
            joined = f"{held} {sentence}" if held else sentence
            if len(lexicon.words(joined)) < min_words:
                held = joined
                continue
            held = ""
            yield joined
        if held:
            yield held

    def _model_sentences(self) -> Iterator[str]:
        """Finished sentences of the model's first paragraph, as they arrive. Works on the
        whole text so far, so how the reply is cut into chunks never changes the result."""
        if self.chunks is None:
            return
        raw, given = "", 0
        for chunk in self.chunks:
            raw += chunk
            text = raw.lstrip()
            paragraph_end = text.find("\n\n")
            if paragraph_end >= 0:
                raw = text[:paragraph_end]  # the first paragraph only, as in `clean_reply`
                break
            finished, _ = split_finished(text)
            yield from (" ".join(f.split()) for f in finished[given:])
            given = len(finished)
        final = sentences(" ".join(raw.split()).strip("\"'“”").strip())
        yield from final[given:]


@dataclass
class ModelVoice:
    """Asks the model for each buyer line and keeps count of how many pass the guard."""

    llm: LLM
    embedder: MiniLMEmbedder
    rules: GuardRules
    simple: bool = False
    asked: int = 0
    accepted: int = 0

    def stream(self, persona: Persona, move: Move, reason: str, composed: str, history: list[ChatMessage],
               unrevealed: list[str], seed: int, knowledge: Sequence[str] = (), fact: str = "") -> VoiceStream:
        """The buyer's line as a `VoiceStream` of guard-checked sentences."""
        self.asked += 1
        params = GenerationParams(temperature=0.3 if self.simple else 0.7, max_tokens=90, seed=seed)
        messages = prompt_for(persona, move, reason, composed, history, self.rules, simple=self.simple,
                              knowledge=knowledge, fact=fact)

        def accept(text: str, aligned: str) -> Verdict:
            verdict = check(text, composed, move, unrevealed, self.embedder, self.rules, similar_to=aligned)
            if not verdict.accepted:
                log.info("model line stopped (%s): %r", verdict.reason, text[:120])
            return verdict

        try:
            chunks: Iterator[str] | None = iter(self.llm.stream(messages, params))
            failure = ""
        except ModelError as exc:
            log.warning("model voice failed (%s); using the composed line", exc.problem)
            chunks, failure = None, f"model unavailable: {exc.problem}"
        return VoiceStream(composed, chunks, accept, failure, on_done=self._count)

    def _count(self, voice: VoiceStream) -> None:
        self.accepted += voice.source == "model"

    def speak(self, persona: Persona, move: Move, reason: str, composed: str, history: list[ChatMessage],
              unrevealed: list[str], seed: int, knowledge: Sequence[str] = (), fact: str = "") -> tuple[str, str, str]:
        """(line, "model" | "composed", why) for one buyer turn, all at once."""
        voice = self.stream(persona, move, reason, composed, history, unrevealed, seed, knowledge, fact)
        for _ in voice:
            pass
        return voice.line, voice.source, voice.why
