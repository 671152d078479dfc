"""The model voice and its guard: the model may only rephrase the composed line.

Why: a small local model rambles, agrees when told to leave, and may blurt out a hidden
fact. A reply is accepted only when it is short, in character, close in meaning to the
composed line, consistent with the move and leaks no unrevealed fact; otherwise the
composed line is spoken. The accepted share is counted per call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from coach import lexicon
from coach.buyer import Move
from coach.embeddings import MiniLMEmbedder
from coach.errors import ModelError
from coach.llm import LLM, ChatMessage, GenerationParams
from coach.llm.tokens import truncate_to_tokens
from coach.log import get_logger
from coach.personas import Persona
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


def _second_person(text: str) -> int:
    return len(re.findall(r"\b(?:your|yours|you'll|you're|you've)\b", text.lower()))


def check(reply: str, composed: str, move: Move, unrevealed: list[str], embedder: MiniLMEmbedder,
          rules: GuardRules) -> Verdict:
    """Accept a model reply only if it passes every check; the reason names the first failure."""
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
    vectors = embedder.embed([reply, composed, *unrevealed])
    similarity = float(vectors[0] @ vectors[1])
    if similarity < rules.min_similarity:
        return Verdict(False, f"drifts from the line (similarity {similarity:.2f})", similarity)
    for fact_vector in vectors[2:]:
        if float(vectors[0] @ fact_vector) >= rules.hidden_fact_similarity:
            return Verdict(False, "too close to an unrevealed hidden fact", similarity)
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


@dataclass
class ModelVoice:
    """Asks the model for each buyer line and keeps count of how many pass the guard."""

    llm: LLM
    embedder: MiniLMEmbedder
    rules: GuardRules
    simple: bool = False
    asked: int = 0
    accepted: int = 0

    def speak(self, persona: Persona, move: Move, reason: str, composed: str, history: list[ChatMessage],
              unrevealed: list[str], seed: int, knowledge: Sequence[str] = (), fact: str = "") -> tuple[str, str, str]:
        """(line, "model" | "composed", why) for one buyer turn."""
        self.asked += 1
        params = GenerationParams(temperature=0.3 if self.simple else 0.7, max_tokens=90, seed=seed)
        messages = prompt_for(persona, move, reason, composed, history, self.rules, simple=self.simple,
                              knowledge=knowledge, fact=fact)
        try:
            reply = clean_reply(self.llm.complete(messages, params).text)
        except ModelError as exc:
            log.warning("model voice failed (%s); using the composed line", exc.problem)
            return composed, "composed", f"model unavailable: {exc.problem}"
        verdict = check(reply, composed, move, unrevealed, self.embedder, self.rules)
        if verdict.accepted:
            self.accepted += 1
            return reply, "model", "ok"
        log.info("model line rejected (%s): %r", verdict.reason, reply[:120])
        return composed, "composed", verdict.reason
