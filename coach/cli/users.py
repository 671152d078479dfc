"""`coach users add|list|passwd`: local accounts from the terminal."""

from __future__ import annotations

import getpass
import os
from typing import Annotated, Optional

import typer
from rich.table import Table

from coach.cli.common import err, out

users = typer.Typer(help="Manage sign-in accounts (reps, managers, admins).", no_args_is_help=True)


def _database():  # noqa: ANN202 - a store Database, imported lazily
    from coach.runtime.startup import prepare

    settings = prepare()  # a bad setting is reported before the database layer is loaded
    from coach.db import open_database

    return open_database(settings)


def _new_password(given: str | None) -> str:
    """From --password, $COACH_NEW_PASSWORD, or asked twice without echo."""
    from coach.errors import UserInputError

    if given:
        return given
    if os.environ.get("COACH_NEW_PASSWORD"):
        return os.environ["COACH_NEW_PASSWORD"]
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise UserInputError("The two passwords differ", "run the command again and type the same password twice")
    return first


@users.command("add")
def add(
    name: Annotated[str, typer.Argument(help="sign-in name, e.g. jsmith")],
    role: Annotated[str, typer.Option(help="rep | manager | admin")] = "rep",
    team: Annotated[Optional[str], typer.Option(help="team name (created if new); not needed for admins")] = None,
    display_name: Annotated[Optional[str], typer.Option("--display-name", help="name shown in the app")] = None,
    password: Annotated[Optional[str], typer.Option(help="prefer the prompt or $COACH_NEW_PASSWORD")] = None,
) -> None:
    """Create an account."""
    from coach.db import add_user

    if display_name is not None:
        display_name = _display_name(display_name)
    db = _database()
    viewer = add_user(db, name, _new_password(password), role=role, team=team, display_name=display_name)
    out.print(f"Added {viewer.name} ({viewer.role}" + (f", team {team}" if team else "") + ").", markup=False)


def _display_name(text: str) -> str:
    """The name shown in the app: printable, one line, not blank."""
    import unicodedata

    from coach.errors import UserInputError

    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):  # escapes, newlines, undecodable bytes
        raise UserInputError("The display name contains control characters (a line break or a terminal escape)",
                             "type it again on one line, with letters, digits and punctuation")
    if not text.strip():
        raise UserInputError("The display name is blank",
                             "give a name to show, or leave out --display-name to show the sign-in name")
    return text.strip()


@users.command("list")
def list_() -> None:
    """Every account with its role and team."""
    from coach.db import list_users

    table = Table("name", "display name", "role", "team")
    for viewer, team in list_users(_database()):
        table.add_row(viewer.name, viewer.display_name, viewer.role, team or "-")
    out.print(table)


@users.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="the account's sign-in name")],
    password: Annotated[Optional[str], typer.Option(help="prefer the prompt or $COACH_NEW_PASSWORD")] = None,
) -> None:
    """Set a new password for an account."""
    from coach.db import set_password

    set_password(_database(), name, _new_password(password))
    err.print(f"Password changed for {name}.", markup=False)
