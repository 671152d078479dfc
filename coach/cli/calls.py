"""`coach calls list|show|export|comment|override`: stored calls from the terminal, signed in as a user.

Why: managers script their reviews, and the terminal must obey the same access rules as the app. The
rules live in the store's queries, so a rep sees only their own calls, a manager their team's, an admin
everything; anyone else's call is "not found". The password comes from a prompt, standard input or
`$COACH_PASSWORD`, never a flag (flags end up in shell history and process lists).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from coach.cli.common import err, out

if TYPE_CHECKING:
    from coach.db import Database, SessionRecord, Viewer

calls = typer.Typer(help="Stored calls: list, show, export, comment on and override them (signed in as a user).",
                    no_args_is_help=True)

OUTCOMES = ("advanced", "open", "delegated", "disengaged", "timed_out")
FORMATS = ("csv", "json")

UserOption = Annotated[str, typer.Option("--user", envvar="COACH_USER", show_envvar=False,
                                         help="your sign-in name ($COACH_USER); the password is asked for, read "
                                              "from standard input, or taken from $COACH_PASSWORD")]
RepOption = Annotated[Optional[str], typer.Option("--rep", help="only this rep (sign-in name)")]
PersonaOption = Annotated[Optional[str], typer.Option("--persona", help="only calls with this buyer (persona id)")]
OutcomeOption = Annotated[Optional[str], typer.Option("--outcome", help=" | ".join(OUTCOMES))]
DateFormats = ["%Y-%m-%d"]
SinceOption = Annotated[Optional[datetime], typer.Option("--since", formats=DateFormats, help="from this day (UTC)")]
UntilOption = Annotated[Optional[datetime], typer.Option("--until", formats=DateFormats,
                                                         help="up to the end of this day (UTC)")]
MinOption = Annotated[Optional[int], typer.Option("--min-score", min=0, max=100)]
MaxOption = Annotated[Optional[int], typer.Option("--max-score", min=0, max=100)]
SortOption = Annotated[str, typer.Option("--sort", help="newest | oldest | score_high | score_low")]
UnfinishedOption = Annotated[bool, typer.Option("--unfinished", help="include calls that were never ended")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=5000)]
NeedsReviewOption = Annotated[bool, typer.Option("--needs-review",
                                                 help="only calls nobody has commented on or overridden yet")]


def _password(name: str) -> str:
    """$COACH_PASSWORD, else a prompt without echo on a terminal, else one line of standard input."""
    from coach.errors import UserInputError

    given = os.environ.get("COACH_PASSWORD")
    if given:
        return given
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
    else:
        password = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not password:
        raise UserInputError(f"No password given for {name!r}",
                             "type it at the prompt, pipe it on standard input, or set $COACH_PASSWORD")
    return password


def _signed_in(name: str) -> tuple[Database, Viewer]:
    """The database and the signed-in viewer (wrong passwords count towards the sign-in lock)."""
    from coach.errors import AccessDenied
    from coach.runtime.startup import prepare
    from coach.db import SignInLocked, open_database, sign_in

    db = open_database(prepare())
    try:
        return db, sign_in(db, name, _password(name))
    except SignInLocked:
        raise
    except AccessDenied:
        raise AccessDenied("The name or password is not right",
                           "check --user and the password (typed at the prompt or in $COACH_PASSWORD)") from None


def _filters(rep: str | None, persona: str | None, outcome: str | None, since: datetime | None,
             until: datetime | None, min_score: int | None, max_score: int | None, sort: str, unfinished: bool,
             limit: int, needs_review: bool = False) -> Any:  # noqa: ANN401 - a store SessionFilter, imported lazily
    from coach.errors import UserInputError
    from coach.db import SessionFilter

    if outcome is not None and outcome not in OUTCOMES:
        raise UserInputError(f"--outcome {outcome!r} is not an outcome", f"use one of: {', '.join(OUTCOMES)}")
    return SessionFilter(rep=rep.strip().lower() if rep else None, persona_id=persona, outcome=outcome,
                         since=since, until=datetime.combine(until.date(), time.max) if until else None,
                         min_score=min_score, max_score=max_score, ended_only=not unfinished, sort=sort, limit=limit,
                         needs_review=needs_review)


def _rows(records: list[SessionRecord]) -> list[dict[str, Any]]:
    """One flat row per call: what the review page's table and export show."""
    from coach.db.exports import utc

    return [{"id": r.id, "started_at": utc(r.started_at), "ended_at": utc(r.ended_at), "rep": r.user_name,
             "rep_display": r.user_display, "buyer": r.persona_id, "mode": r.mode, "outcome": r.outcome,
             "score": r.overall, "reviewed": r.reviewed} for r in records]


@calls.command("list")
def list_(user: UserOption, rep: RepOption = None, persona: PersonaOption = None, outcome: OutcomeOption = None,
          since: SinceOption = None, until: UntilOption = None, min_score: MinOption = None,
          max_score: MaxOption = None, sort: SortOption = "newest", unfinished: UnfinishedOption = False,
          limit: LimitOption = 500, needs_review: NeedsReviewOption = False,
          as_json: Annotated[bool, typer.Option("--json", help="print a JSON list")] = False) -> None:
    """The calls you may see (a rep: your own; a manager: your team's; an admin: all), filtered like the review page."""
    from coach.db import team_sessions

    db, viewer = _signed_in(user)
    rows = _rows(team_sessions(db, viewer, _filters(rep, persona, outcome, since, until, min_score, max_score, sort,
                                                    unfinished, limit, needs_review)))
    if as_json:
        out.print_json(json.dumps(rows))
        return
    if not rows:
        err.print("No calls match.", markup=False)
        return
    header = ("id", "started (UTC)", "rep", "buyer", "mode", "outcome", "score", "reviewed")
    lines = [header] + [(r["id"], r["started_at"].replace("T", " ")[:16], r["rep"], r["buyer"], r["mode"], r["outcome"],
                         "-" if r["score"] is None else str(r["score"]), "yes" if r["reviewed"] else "no")
                        for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:  # plain aligned columns: ids are copied from here, so never cut or wrapped
        out.print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip(), markup=False,
                  highlight=False, crop=False)


@calls.command("show")
def show(session_id: Annotated[str, typer.Argument(metavar="ID", help="the call's id (from `coach calls list`)")],
         user: UserOption,
         as_json: Annotated[bool, typer.Option("--json", help="print the call as JSON")] = False) -> None:
    """One call: transcript, scorecard, comments and overrides."""
    from coach.db import get_session

    db, viewer = _signed_in(user)
    record = get_session(db, viewer, session_id)
    if as_json:
        out.print_json(record.model_dump_json())
        return
    _print_call(record, annotate=viewer.role != "rep" or record.mode == "coached")


def _print_call(record: SessionRecord, *, annotate: bool) -> None:
    """The call as plain text (no markup is read from what anyone said)."""
    say = lambda text="": out.print(text, markup=False, highlight=False)  # noqa: E731
    score = "-" if record.overall is None else f"{record.overall}/100"
    say(f"Call {record.id}: {record.user_display} ({record.user_name}) with {record.persona_id}, {record.mode}, "
        f"started {record.started_at:%Y-%m-%d %H:%M} UTC, outcome {record.outcome}, score {score}")
    comments = record.comments_by_turn(display_names=False)
    for turn in record.turns:
        say(f"\nTurn {turn.index}")
        say(f"  Rep: {turn.rep}")
        say(f"  {turn.buyer_persona or 'Buyer'}: {turn.buyer}")
        if annotate:
            say(f"    {turn.move} · attention {turn.attention} · {turn.reason}")
        for comment in comments.get(turn.index, []):
            say(f"    comment, {comment}")
    for line in record.waiting:
        say(f"\nTurn {line.index}")
        say(f"  Rep: {line.rep}")
        say("  (the buyer never answered this line)")
        for comment in comments.get(line.index, []):
            say(f"    comment, {comment}")
    card = record.scorecard
    if card:
        overrides = {r.criterion_id: r for r in record.reviews if r.kind == "override"}
        say(f"\nScorecard: {score}, band {card.band or '-'}, rating {card.rating or '-'} of 5")
        for c in card.criteria:
            line = f"  {c.result:<8} {c.id}: {c.question}"
            if c.id in overrides:
                o = overrides[c.id]
                line += f"  [override by {o.author}: {o.new_result}; {o.text}]"
            say(line)
    for comment in comments.get(0, []):
        say(f"\nComment on the whole call, {comment}")


@calls.command("export")
def export(user: UserOption, fmt: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
           output: Annotated[Optional[Path], typer.Option("-o", "--output",
                                                          help="file to write (default: stdout)")] = None,
           rep: RepOption = None, persona: PersonaOption = None, outcome: OutcomeOption = None,
           since: SinceOption = None, until: UntilOption = None, min_score: MinOption = None,
           max_score: MaxOption = None, sort: SortOption = "newest", unfinished: UnfinishedOption = False,
           limit: LimitOption = 5000, needs_review: NeedsReviewOption = False,
           transcripts: Annotated[bool, typer.Option("--transcripts", help="add each call's transcript")] = False) -> None:
    """The calls you may see as CSV or JSON (the review page's export: each criterion's result as the
    manager sees it, and optionally the transcript), to a file or standard output."""
    from coach.content.catalog import load_content
    from coach.db import team_sessions
    from coach.db.exports import export_rows, to_csv
    from coach.errors import UserInputError

    if fmt not in FORMATS:
        raise UserInputError(f"--format {fmt!r} is not an export format", "use --format csv or --format json")
    db, viewer = _signed_in(user)
    records = team_sessions(db, viewer, _filters(rep, persona, outcome, since, until, min_score, max_score, sort,
                                                 unfinished, limit, needs_review))
    names = {p.id: f"{p.name}, {p.title}" for p in load_content().personas.values()}
    rows = export_rows(db, records, buyer_names=names, transcripts=transcripts)
    text = to_csv(rows) if fmt == "csv" else json.dumps(rows, indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserInputError(f"Cannot write {output}: {exc.strerror}",
                             "pick a file in a folder that exists and you can write to") from None
    err.print(f"Exported {len(rows)} call(s) to {output}.", markup=False)


@calls.command("comment")
def comment(session_id: Annotated[str, typer.Argument(metavar="ID", help="the call's id")],
            text: Annotated[str, typer.Argument(help="the comment for the rep")],
            user: UserOption,
            turn: Annotated[Optional[int], typer.Option("--turn", min=1, help="the rep turn it is about "
                                                        "(default: the whole call)")] = None) -> None:
    """Comment on a call of your team, on one turn or the whole call (managers and admins)."""
    from coach.errors import UserInputError
    from coach.db import add_comment, get_session

    db, viewer = _signed_in(user)
    record = get_session(db, viewer, session_id)
    said = len(record.lines())
    if turn is not None and turn > said:
        raise UserInputError(f"Call {session_id} has {said} turn(s), not {turn}",
                             f"use --turn 1 to {said}, or leave --turn out to comment on the whole call")
    add_comment(db, viewer, session_id, text, turn)
    err.print(f"Comment added to call {session_id}" + (f", turn {turn}." if turn else "."), markup=False)


@calls.command("override")
def override(session_id: Annotated[str, typer.Argument(metavar="ID", help="the call's id")],
             criterion: Annotated[str, typer.Argument(help="criterion id, as `coach calls show` lists it")],
             result: Annotated[str, typer.Argument(metavar="yes|no|unscored", help="the result it should have")],
             user: UserOption,
             reason: Annotated[str, typer.Option("--reason", help="why the grader was wrong (required)")]) -> None:
    """Override one criterion of a call's scorecard with a reason; the grader's result is kept beside it."""
    from coach.db import override_criterion

    db, viewer = _signed_in(user)
    override_criterion(db, viewer, session_id, criterion, result.strip().lower(), reason)
    err.print(f"{criterion} of call {session_id} is now {result.strip().lower()} (the grader's result is kept).",
              markup=False)
