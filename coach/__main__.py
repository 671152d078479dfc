"""`python -m coach` is the `coach` command."""

from coach.cli.main import main

main()
