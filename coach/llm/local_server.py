"""Child process that hosts the embedded llama.cpp server (xllamacpp) for one model.

Why a separate process: the app can kill and restart it without dying itself, and it
exits by itself when its parent goes away (stdin reaches end of file). It prints one
JSON line with its address, then waits.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    """Start the server, announce its address on stdout, serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m coach.llm.local_server")
    parser.add_argument("--model", required=True)
    parser.add_argument("--ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args(argv)

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.n_ctx = args.ctx * args.parallel
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.verbosity = 0
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one JSON line
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.stdout.flush()
        return 1
    sys.stdout.write(json.dumps({"address": server.listening_address}) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # returns when the parent closes the pipe or dies
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
