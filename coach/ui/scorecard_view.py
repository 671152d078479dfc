"""Shows a scorecard and an annotated transcript; no logic beyond layout."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
import streamlit.components.v1 as components

from coach.grading.scorecard import Scorecard
from coach.transcript import CallTurn, RepLine

MARK = {"yes": ":green[:material/check_circle:]", "no": ":red[:material/cancel:]",
        "unscored": ":gray[:material/remove_circle_outline:] (unscored)"}


def transcript(turns: Sequence[CallTurn], names: dict[str, str], *, annotate: bool, opening: str | None = None,
               comments: dict[int, list[str]] | None = None, waiting: Sequence[RepLine] = (),
               delegated_to: str | None = None) -> None:
    """The call turn by turn; with `annotate`, each buyer turn shows its move, reason and tags; a hand-off
    shows who joined right where it happened. `waiting` lines (stored, never answered) follow, each with
    a note that it is kept."""
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
    for line in waiting:
        st.markdown(f"###### Turn {line.index}")
        with st.chat_message("user"):
            st.text(line.rep)
        st.warning("The buyer never answered this line (the call stopped or ended first). It is kept.")
        for comment in (comments or {}).get(line.index, []):
            st.info(comment)


def scorecard(card: Scorecard, overrides: dict[str, tuple[str, str]] | None = None) -> None:
    """Score, criteria with quotes that link to their turn, coaching, metrics and the attention curve."""
    top = st.columns(4)
    top[0].metric("Score", "unscored" if card.overall is None else f"{card.overall}/100")
    top[1].metric("Band", card.band or "-")
    top[2].metric("Rating", f"{card.rating} of 5" if card.rating else "-")
    top[3].metric("Outcome", card.outcome or "-")
    if card.capped_by:
        st.caption(f"Score capped. {card.capped_by}")
    st.subheader("Criteria")
    for c in card.criteria:
        line = f"{MARK[c.result]} {c.question}"
        if overrides and c.id in overrides:
            new, reason = overrides[c.id]
            line += f"  \n**Manager override: {new}** ({reason}); the grader said {c.result}."
        st.markdown(line)
        for q in c.evidence:
            st.markdown(f"&nbsp;&nbsp;&nbsp;[turn {q.turn}](#turn-{q.turn}): “{_plain(q.quote)}”")
        if c.result == "no":
            st.caption(f"Tip: {c.tip}")
    rewrite = card.coaching.rewrite
    if rewrite:
        st.subheader("Say this instead")
        st.markdown(f"Turn {rewrite.turn}: “{_plain(rewrite.original)}”")
        st.success(rewrite.suggested)
        st.caption(rewrite.why + ("" if rewrite.written_by != "model" else " (written by the model)"))
    for item in card.coaching.improvements:
        use = item.use
        st.markdown(f"- {item.tip}" + (f" Use *{use.title}* (`{use.id}`)." if use else ""))
    metrics = card.metrics
    st.subheader("Call metrics")
    cols = st.columns(4)
    cols[0].metric("Your talk share", f"{100 * metrics.rep_talk_share:.0f}%")
    cols[1].metric("Questions (open)", f"{metrics.questions} ({metrics.open_questions})")
    cols[2].metric("Feature pitches", metrics.feature_pitches)
    cols[3].metric("Minutes used", f"{metrics.minutes_used} of {metrics.minutes_budget or '-'}")
    if metrics.attention:
        st.caption("The buyer's attention, turn by turn")
        st.line_chart({"attention": metrics.attention}, height=180)
    judge = card.judge
    if judge and not judge.error:
        st.caption(f"Model judge ({judge.model}): {len(judge.disagreements)} disagreement(s) with the rules.")
        for d in judge.disagreements:
            st.caption(f"{d.id}: rules {d.deterministic}, judge {d.judge} — {d.reason}")


def _plain(text: str) -> str:
    """Text safe to put inside Markdown: no markup, no HTML."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in text)


def scroll_to_top() -> None:
    """Bring the page back to its top (a rerun keeps the scroll, so a scorecard drawn after a long call
    would open below the screen). A zero-height frame of the app's own origin scrolls its parent."""
    components.html("<script>const main = window.parent.document.querySelector('[data-testid=\"stMain\"]')"
                    " || window.parent.document.querySelector('section.main');"
                    " if (main) { main.scrollTo(0, 0); } window.parent.scrollTo(0, 0);</script>", height=0)
