"""The optional model judge: a capable model answers the rubric with quotes, checked against the transcript.

Why: the deterministic grader is fast and explainable but literal; a capable model reads
intent. Its answers are kept beside the deterministic ones, never mixed into the score:
an answer whose quote is not in the rep's own words, or that fails to parse, is
`unscored`, never zero, and every disagreement is listed for the manager. The model also
writes the coaching rewrite, which is used only when it passes the same checks as any claim.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coach.call import lexicon
from coach.call.analysis import is_supported
from coach.config import LOCAL_MODEL_NAME
from coach.errors import ModelError
from coach.llm import LLM, ChatMessage, GenerationParams
from coach.log import get_logger
from coach.grading.scorecard import Disagreement, JudgeAnswer, JudgeReport
from coach.prompts import load_prompt
from coach.call.rules import AnalysisRules, load_analysis_rules

log = get_logger("judge")
REWRITE_MAX_WORDS = 60


class JudgeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    answer: Literal["yes", "no"]
    turn: int = Field(ge=0)
    quote: str
    reason: str


class JudgeOutput(BaseModel):
    """The JSON the judge model must return."""

    model_config = ConfigDict(extra="forbid")
    criteria: list[JudgeItem]
    rewrite: str


def capable(llm: LLM | None) -> bool:
    """The embedded 135M model only paraphrases; any other configured model may judge, unless
    COACH_JUDGE=off (a small model served under another name would take minutes and judge badly)."""
    return llm is not None and llm.may_judge and llm.model != LOCAL_MODEL_NAME


def _normal(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.sub(r"[\"'…]|\.\.\.", " ", text).split())


def quote_found(quote: str, rep_turns: dict[int, str], turn: int) -> bool:
    """Is the quote (ignoring case, quotes and spacing) in that rep turn, or, failing that, any rep turn?"""
    wanted = _normal(quote)
    if len(wanted) < 3:
        return False
    if turn in rep_turns and wanted in _normal(rep_turns[turn]):
        return True
    return any(wanted in _normal(text) for text in rep_turns.values())


def check_answers(output: JudgeOutput, criteria_ids: list[str], rep_turns: dict[int, str],
                  rules: AnalysisRules) -> list[JudgeAnswer]:
    """Each criterion's judge result; `unscored` (with why) when the answer cannot be trusted."""
    by_id = {item.id: item for item in output.criteria}
    results = []
    for cid in criteria_ids:
        item = by_id.get(cid)
        if item is None:
            results.append(JudgeAnswer(id=cid, result="unscored", why="the judge gave no answer"))
            continue
        entry = JudgeAnswer(id=cid, result=item.answer, turn=item.turn, quote=item.quote, reason=item.reason)
        absent = item.answer == "no" and item.turn == 0 and not item.quote.strip()
        if not absent and not quote_found(item.quote, rep_turns, item.turn):
            entry = entry.model_copy(update={"result": "unscored", "why": "the quote is not in the rep's words"})
        elif item.answer == "yes" and lexicon.find_phrases(item.quote, rules.injection):
            entry = entry.model_copy(update={"result": "unscored", "why": "the quote is an attempt to steer the grade"})
        results.append(entry)
    return results


def _transcript(turns: list[tuple[str, int, str]]) -> str:
    return "\n".join(f"{'Rep' if who == 'rep' else 'Buyer'} {n}: {' '.join(text.split())}" for who, n, text in turns)


def judge_call(llm: LLM, *, buyer_name: str, buyer_title: str, company: str,
               turns: list[tuple[str, int, str]], criteria: list[tuple[str, str]],
               deterministic: dict[str, str], weak_turn: int, value: str, result: str,
               known_figures: set[str], rules: AnalysisRules | None = None) -> JudgeReport:
    """Ask the judge; return its checked answers, the disagreements and a checked rewrite (or why not).

    `turns` are (speaker, rep-turn number, text); `criteria` are (id, question).
    """
    rules = rules or load_analysis_rules()
    rep_turns = {n: text for who, n, text in turns if who == "rep"}
    prompt = load_prompt("judge").format(
        buyer_name=buyer_name, buyer_title=buyer_title, company=company, weak_turn=weak_turn, value=value,
        result=result or "-", criteria="\n".join(f"- {cid}: {question}" for cid, question in criteria),
        transcript=_transcript(turns))
    report = JudgeReport(backend=llm.backend_name, model=llm.model)
    try:
        output = llm.structured([ChatMessage(role="user", content=prompt)], JudgeOutput,
                                GenerationParams(temperature=0.0, max_tokens=1600, seed=0))
    except ModelError as exc:
        log.warning("judge unavailable (%s); the deterministic grade stands", exc.problem)
        report.error = exc.problem
        report.criteria = [JudgeAnswer(id=cid, result="unscored", why=exc.problem) for cid, _ in criteria]
        return report
    report.criteria = check_answers(output, [cid for cid, _ in criteria], rep_turns, rules)
    report.disagreements = [
        Disagreement(id=r.id, deterministic=deterministic[r.id], judge=r.result, reason=r.reason or "")
        for r in report.criteria
        if r.result != "unscored" and deterministic.get(r.id, "unscored") not in ("unscored", r.result)]
    report.rewrite = rewrite_if_sound(output.rewrite, known_figures, rules)
    return report


def rewrite_if_sound(text: str, known_figures: set[str], rules: AnalysisRules) -> str | None:
    """The model's rewrite, if it is short, asks a question, invents no figure and steers nothing."""
    line = " ".join(text.split())
    words = lexicon.words(line)
    if not words or len(words) > REWRITE_MAX_WORDS or "?" not in line:
        return None
    if lexicon.find_phrases(line, rules.injection) or lexicon.find_phrases(line, rules.promise_terms):
        return None
    if any(not is_supported(f, known_figures) for f in lexicon.figures(line, rules.figure_exempt_units)):
        return None
    return line
