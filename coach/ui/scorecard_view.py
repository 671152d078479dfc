"""Shows a scorecard and an annotated transcript; no logic beyond layout."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st
import streamlit.components.v1 as components

from coach.content.knowledge import KnowledgeDoc
from coach.grading.rubric import Rubric, load_rubric
from coach.grading.scorecard import CriterionResult, Scorecard
from coach.transcript import CallTurn, RepLine
from coach.ui.charts import points_over

MARK = {"yes": ":green[:material/check_circle:]", "no": ":red[:material/cancel:]",
        "unscored": ":gray[:material/remove_circle_outline:] (unscored)"}


def transcript(turns: Sequence[CallTurn], names: dict[str, str], *, annotate: bool, opening: str | None = None,
               comments: dict[int, list[str]] | None = None, waiting: Sequence[RepLine] = (),
               delegated_to: str | None = None, comment_box: Callable[[int], None] | None = None) -> None:
    """The call turn by turn; with `annotate`, each buyer turn shows its move, reason and tags; a hand-off
    shows who joined right where it happened. `waiting` lines (stored, never answered) follow, each with
    a note that it is kept. `comment_box(turn)`, when given, draws a way to comment on that turn beneath
    its comments (the review desk)."""
    if opening:
        with st.chat_message("assistant", avatar=":material/work:"):
            st.text(opening)
    for at, turn in enumerate(turns):
        st.markdown(f"###### Turn {turn.index}")  # Streamlit anchors it as #turn-N
        with st.chat_message("user"):
            st.text(turn.rep)
        with st.chat_message("assistant", avatar=":material/work:"):
            st.caption(names.get(turn.buyer_persona, turn.buyer_persona or "buyer"))
            st.text(turn.buyer)
            if annotate:
                st.caption(f"{turn.move} · attention {turn.attention} · {turn.reason}")
                if turn.tags:
                    st.caption("tags: " + ", ".join(turn.tags))
        if turn.move == "delegate":
            after = turns[at + 1].buyer_persona if at + 1 < len(turns) else None
            joined = delegated_to or (after if after != turn.buyer_persona else None)
            if joined:
                st.info(f"{names.get(turn.buyer_persona or '', 'The buyer')} left the call. "
                        f"{names.get(joined, joined)} joined.")
        for comment in (comments or {}).get(turn.index, []):
            st.info(comment)
        if comment_box:
            comment_box(turn.index)
    for line in waiting:
        st.markdown(f"###### Turn {line.index}")
        with st.chat_message("user"):
            st.text(line.rep)
        st.warning("The buyer never answered this line (the call stopped or ended first). It is kept.")
        for comment in (comments or {}).get(line.index, []):
            st.info(comment)
        if comment_box:
            comment_box(line.index)


def knowledge_card(doc: KnowledgeDoc, title: str | None = None, expanded: bool = False) -> None:
    """A value proposition or case note, readable in full with its figures (the same card in the
    briefing and on the scorecard, so the note a tip names is the note the rep studied)."""
    with st.expander(title or doc.title, expanded=expanded):
        for section in doc.sections:
            st.markdown(f"**{section.heading}**\n\n{section.text}")


def scorecard(card: Scorecard, overrides: dict[str, tuple[str, str]] | None = None,
              score: int | None = None, documents: Mapping[str, KnowledgeDoc] | None = None) -> None:
    """Read in a minute: the outcome and the score, what worked, what to do next time (with the better
    line), then every criterion by group with the quotes for and against it, the numbers and the
    attention curve. A manager's override shows beside the grader's answer, struck through; `score` is
    the score with the overrides (`coach.grading.grade.rescored`), shown against the grader's. A tip
    that names a case note or value proposition opens it when `documents` holds it."""
    rubric = load_rubric()
    top = st.columns([1, 1, 2])
    top[0].metric("Outcome", card.outcome or "-")
    changed = score is not None and card.overall is not None and score != card.overall
    shown = score if changed else card.overall
    top[1].metric("Score", "unscored" if shown is None else f"{shown}/100",
                  delta=f"{shown - card.overall:+d} by a manager's override" if changed else None)
    if changed:
        top[1].caption(f"the grader's score: ~~{card.overall}~~")
    top[2].caption(" · ".join(x for x in [card.band, card.capped_by and f"score capped: {card.capped_by}"
                                            or rubric.cap_reasons.get(card.outcome or "", "")] if x))
    results = {c.id: c for c in card.criteria}
    if card.coaching.strengths:
        st.subheader("What worked")
        for item in card.coaching.strengths[:2]:
            said = item.evidence[0] if item.evidence else None
            st.markdown(f":green[:material/check_circle:] **{_label(rubric, item.criterion)}**" +
                        (f"  \n[turn {said.turn}](#turn-{said.turn}): “{_plain(said.quote)}”" if said else ""))
    if card.coaching.improvements or card.coaching.rewrite:
        st.subheader("Do this next time")
        rewrite = card.coaching.rewrite
        if rewrite:
            st.markdown(f"At [turn {rewrite.turn}](#turn-{rewrite.turn}) you said: “{_plain(rewrite.original)}”")
            st.success(f"Say instead: {rewrite.suggested}")
            st.caption(rewrite.why + ("" if rewrite.written_by != "model" else " (written by the model)"))
        for item in card.coaching.improvements[:3]:
            use = item.use
            st.markdown(f":red[:material/arrow_forward:] {item.tip}" + (f" Use *{use.title}*." if use else "") +
                        f"  \n:gray[missed: {_label(rubric, item.criterion)}]")
            if use and documents and use.id in documents:
                knowledge_card(documents[use.id], title=f"Read: {use.title}")
    st.subheader("Every criterion")
    for group in rubric.groups or [None]:
        members = [c for c in rubric.criteria if c.id in results and (group is None or c.group == group)]
        if members and group:
            st.markdown(f"**{group.capitalize()}**")
        for criterion in members:
            _criterion(results[criterion.id], criterion.shown_as, (overrides or {}).get(criterion.id))
    placed = {c.id for c in rubric.criteria if not rubric.groups or c.group in rubric.groups}
    for c in card.criteria:  # a scorecard from an older rubric: every criterion still shows
        if c.id not in placed:
            _criterion(c, c.question, (overrides or {}).get(c.id))
    metrics = card.metrics
    st.subheader("Call metrics")
    cols = st.columns(4)
    cols[0].metric("Your talk share", f"{100 * metrics.rep_talk_share:.0f}%")
    cols[1].metric("Questions (open)", f"{metrics.questions} ({metrics.open_questions})")
    cols[2].metric("Feature pitches", metrics.feature_pitches)
    cols[3].metric("Minutes used", f"{metrics.minutes_used} of {metrics.minutes_budget or '-'}")
    if metrics.attention:
        st.caption("The buyer's attention, turn by turn")
        points_over([{"turn": i, "attention": a} for i, a in enumerate(metrics.attention, 1)], "turn", "attention",
                    height=180)
    judge = card.judge
    if judge and not judge.error:
        st.caption(f"Model judge ({judge.model}): {len(judge.disagreements)} disagreement(s) with the rules.")
        for d in judge.disagreements:
            st.caption(f"{d.id}: rules {d.deterministic}, judge {d.judge} — {d.reason}")


def _criterion(c: CriterionResult, label: str, override: tuple[str, str] | None) -> None:
    """One criterion: its mark and label (a manager's override beside the grader's struck-through answer),
    the quotes that earned it (for) or cost it (against), and the tip when it failed."""
    shown = override[0] if override else c.result
    line = f"{MARK[shown]} {label}"
    if override:
        line += f"  \n~~grader: {c.result}~~ **Manager override: {override[0]}** ({_plain(override[1])})"
    st.markdown(line, help=c.question)
    side = ":green[for]" if c.result == "yes" else ":red[against]" if c.result == "no" else ":gray[seen]"
    if override and override[0] != c.result:  # the quotes argued for the grader's answer, not the manager's
        side = f":gray[the grader's {'for' if c.result == 'yes' else 'against' if c.result == 'no' else 'quote'}]"
    for q in c.evidence:
        st.markdown(f"&nbsp;&nbsp;&nbsp;{side} · [turn {q.turn}](#turn-{q.turn}): “{_plain(q.quote)}”")
    if shown == "no":
        st.caption(f"Tip: {c.tip}")


def _label(rubric: Rubric, criterion_id: str) -> str:
    known = rubric.criterion(criterion_id)
    return known.shown_as if known else criterion_id.replace("_", " ")


def _plain(text: str) -> str:
    """Text safe to put inside Markdown: no markup, no HTML."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in text)


def scroll_to_top() -> None:
    """Bring the page back to its top (a rerun keeps the scroll, so a scorecard drawn after a long call
    would open below the screen). A zero-height frame of the app's own origin scrolls its parent, and
    again for two seconds while the scorecard is still being drawn on a busy machine, unless the user
    scrolls first."""
    components.html(_SCROLL_TO_TOP, height=0)


_SCROLL_TO_TOP = """<script>
const doc = window.parent.document;
let userMoved = false;
const stop = () => { userMoved = true; };
["wheel", "touchstart", "keydown", "mousedown"].forEach((e) => doc.addEventListener(e, stop, {once: true, passive: true}));
function toTop() {
  if (userMoved) return;
  const main = doc.querySelector('[data-testid="stMain"]') || doc.querySelector('section.main');
  if (main && main.scrollTop > 0) main.scrollTo(0, 0);
  if (window.parent.scrollY > 0) window.parent.scrollTo(0, 0);
}
toTop();
for (const ms of [150, 400, 800, 1300, 2000]) setTimeout(toTop, ms);
</script>"""
