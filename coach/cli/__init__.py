"""The `coach` command: one module per command group (`main` holds the app and the small
commands; `call`, `calls`, `eval`, `kb`, `users` and `doctor` add theirs). Commands check their
input, call the library and print; user mistakes end with one line naming the fix, exit 2.
"""
