"""Load benchmark of the practice room: many reps holding calls at once. Prints numbers; asserts nothing.

N simulated reps (default 20), each with their own account, hold T rep turns (default 20) against
the app's session layer (`PracticeCall` over a real store), one thread per rep as the app serves
each user, optionally spread over several processes. A call the buyer ends is followed by a new
call with the next buyer until T turns are said. Runs on a SQLite file and on a throwaway
PostgreSQL server, then checks from the database that every turn said is stored exactly once.

Turn latency is the time in `PracticeCall.say` minus the time inside the model; the store's share
and the buyer's share (analysis, policy, retrieval, voice, guard and, on a call's last turn,
grading) are shown beside it. Goal: p95 < 100 ms, 0 turns lost, 0 database errors reaching a rep.

Each rep pauses about `--think-ms` (default 1 s, far quicker than anyone types a sentence) before a
line. `--think-ms 0` is a saturation test: every rep fires its next line the moment the last reply
ends, so the app is never idle and the mean time per turn is reps / throughput (Little's law); on
a 2-core machine that is well over 100 ms whatever the store does.

    .venv/bin/python bench/load.py [--reps 20] [--turns 20] [--llm none|scripted|replay] [--model-ms 0]
                                   [--think-ms 1000] [--processes 1] [--only sqlite|postgresql]

`--llm scripted` gives the buyer a model that says the composed line back (after `--model-ms`);
`--llm replay` first records those answers, then replays them from the recordings file.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from coach import db as store_api  # noqa: E402
from coach.config import LOCAL_MODEL_NAME, Settings, apply_offline_environment  # noqa: E402
from coach.content.catalog import Content, load_content  # noqa: E402
from coach.llm import LLM, ChatRequest, RecordingBackend, RecordingStore, ReplayBackend, ReplyStream  # noqa: E402
from coach.llm.replay import chunk_text  # noqa: E402
from coach.call.practice import PracticeCall  # noqa: E402
from coach.prompts import load_prompt  # noqa: E402
from coach.retrieval.index import KnowledgeIndex, current_store  # noqa: E402
from coach.db import Database, Viewer, add_user  # noqa: E402
from coach.db.models import PracticeSession, Turn  # noqa: E402

BUYERS = ["cfo_meridian", "coo_halvorsen", "cio_brightwater", "ceo_castellan", "vpsales_kestrel", "cfo_tidewater"]
LINES = [
    "Thanks for making time today. Is thirty minutes still right for you?",
    "Before I say anything about us, what would make this quarter a good one for you?",
    "What is the board pressing you on hardest right now?",
    "How are you measuring progress on that today, and who owns the number?",
    "When that slipped last year, what did it cost you?",
    "Who else in the business feels that problem first, and how does it show up for them?",
    "What have you already tried, and what got in the way?",
    "If that were fixed by year end, what would it be worth to you?",
    "A group much like yours cut its month-end close from twelve days to six in two quarters. "
    "Would a result like that matter here?",
    "What would you need to see to believe that could happen in your business?",
    "How do decisions like this usually get made here, and who signs off?",
    "What deadline are you working against?",
    "Where do things get stuck between your team and operations?",
    "Which of your priorities would you trade off to get this done?",
    "What worries you most about making a change this year?",
    "Our platform has a mobile app, real-time dashboards, AI analytics and forty integrations out of the box.",
    "How does your team spend the first week of each month?",
    "What would a good outcome from this conversation look like for you?",
    "Let me check the time: do you want to keep going, or pick this up later?",
    "Would it make sense to meet again in two weeks with your controller to go through the numbers together?",
]

_clock = threading.local()  # seconds spent this turn, per thread: store, model


def _spend(kind: str, seconds: float) -> None:
    setattr(_clock, kind, getattr(_clock, kind, 0.0) + seconds)


def _reset_clock() -> None:
    _clock.store = _clock.model = 0.0


def instrument_store() -> None:
    """Time every store call the practice call makes (the real functions, only timed); once per process."""
    if getattr(store_api, "_bench_timed", False):
        return
    store_api._bench_timed = True  # type: ignore[attr-defined]

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                _spend("store", time.perf_counter() - started)
        return wrapper

    for name in ("start_session", "record_rep_line", "record_buyer_reply", "finish_session", "get_session"):
        setattr(store_api, name, timed(getattr(store_api, name)))


class EchoModel(LLM):
    """A deterministic model for the embedded-model prompt: says the composed line back after a delay."""

    backend_name = "echo"

    def __init__(self, delay_ms: float = 0.0) -> None:
        super().__init__(LOCAL_MODEL_NAME, max_retries=0)
        self.delay_s = delay_ms / 1000
        self.prefix, _, self.suffix = load_prompt("buyer_rephrase").partition("{composed}")

    def _open(self, request: ChatRequest) -> Iterator[str]:
        asked = request.messages[-1].content
        composed = asked.removeprefix(self.prefix).removesuffix(self.suffix) if self.suffix else \
            asked.removeprefix(self.prefix)
        if self.delay_s:
            time.sleep(self.delay_s)
        yield from chunk_text(composed.strip())


class TimedModel(LLM):
    """Wraps a backend and adds the time spent inside it to this thread's model clock."""

    def __init__(self, inner: LLM) -> None:
        super().__init__(inner.model, max_retries=0, timeout_s=inner.timeout_s)
        self.inner, self.backend_name = inner, inner.backend_name

    def _open(self, request: ChatRequest) -> Iterator[str]:
        return self.inner._open(request)

    def stream_request(self, request: ChatRequest) -> ReplyStream:
        started = time.perf_counter()
        inner = self.inner.stream_request(request)
        _spend("model", time.perf_counter() - started)

        def chunks() -> Iterator[str]:
            it = iter(inner)
            while True:
                started = time.perf_counter()
                try:
                    chunk = next(it)
                except StopIteration:
                    _spend("model", time.perf_counter() - started)
                    return
                _spend("model", time.perf_counter() - started)
                yield chunk

        return ReplyStream(chunks(), lambda _text, _first: inner.result)  # type: ignore[arg-type,return-value]


@dataclass
class RepResult:
    """What one rep said and what it cost."""

    said: dict[tuple[str, int], str] = field(default_factory=dict)  # (session id, turn index) -> rep line
    turn_ms: list[float] = field(default_factory=list)  # say() minus model time
    store_ms: list[float] = field(default_factory=list)
    buyer_ms: list[float] = field(default_factory=list)
    model_ms: list[float] = field(default_factory=list)
    finish_ms: list[float] = field(default_factory=list)
    calls: int = 0
    voiced: int = 0  # buyer lines the model's words passed the guard for
    model_failed: int = 0  # turns where the model failed and the composed line was used
    retries: int = 0  # database trouble the store waited out (counted once per process)
    errors: list[str] = field(default_factory=list)  # every failure that reached the rep


def hold_calls(db: Database, viewer: Viewer, content: Content, knowledge: KnowledgeIndex, llm: LLM | None,
               rep_no: int, turns: int, think_ms: float, start: threading.Barrier | None = None) -> RepResult:
    """One rep: say `turns` lines, starting a new call whenever the buyer ends one; resume after a failure."""
    result, rng = RepResult(), random.Random(rep_no)
    if start is not None:
        start.wait()
    practice: PracticeCall | None = None
    line = rep_no % len(LINES)
    while len(result.said) < turns:
        try:
            if practice is None or practice.ended:
                persona = BUYERS[(rep_no + result.calls) % len(BUYERS)]
                practice = PracticeCall.start(db, viewer, content, knowledge, llm, persona,
                                              seed=rep_no * 1000 + result.calls)
                result.calls += 1
            text = practice.pending or LINES[line % len(LINES)]
            if think_ms:
                time.sleep(rng.uniform(0.5, 1.5) * think_ms / 1000)
            _reset_clock()
            started = time.perf_counter()
            for _ in practice.say(text):
                pass
            total = (time.perf_counter() - started) * 1000
        except Exception as exc:  # noqa: BLE001 - every failure that reaches the rep is counted
            result.errors.append(f"{type(exc).__name__}: {exc}")
            if len(result.errors) >= 50:
                break
            try:  # what the app does: the rep signs in again and resumes the stored call
                if practice is not None:
                    practice = PracticeCall.resume(db, viewer, content, knowledge, llm, practice.session_id)
            except Exception as again:  # noqa: BLE001
                result.errors.append(f"{type(again).__name__} on resume: {again}")
                time.sleep(0.2)
            continue
        model, store = _clock.model * 1000, _clock.store * 1000
        result.said[(practice.session_id, len(practice.turns))] = text
        result.turn_ms.append(total - model)
        result.store_ms.append(store)
        result.model_ms.append(model)
        result.buyer_ms.append(total - model - store)
        turn = practice.last_turn
        if turn is not None:
            result.voiced += turn.voice == "model"
            result.model_failed += (turn.voice_check or "").startswith("model unavailable")
        line += 1
    if practice is not None and not practice.ended:
        started = time.perf_counter()
        try:
            practice.finish()
        except Exception as exc:  # noqa: BLE001
            result.errors.append(f"{type(exc).__name__} on finish: {exc}")
        result.finish_ms.append((time.perf_counter() - started) * 1000)
    return result


def make_model(kind: str, model_ms: float, recordings: Path | None) -> LLM | None:
    if kind == "none":
        return None
    if kind == "replay":
        assert recordings is not None
        replay = ReplayBackend(RecordingStore(recordings), LOCAL_MODEL_NAME, caller="bench/load.py")
        replay.store.entries()  # read the file once, before the threads start
        return TimedModel(replay)
    return TimedModel(EchoModel(model_ms))


def warm_up(db: Database, content: Content, knowledge: KnowledgeIndex, llm: LLM | None) -> None:
    """Load the embedder, the knowledge store and every buyer once, as the app's first user would."""
    viewer = add_user(db, f"warmup{random.randrange(10**6)}", "password-123", role="rep", team="warmup")
    for persona in BUYERS:
        practice = PracticeCall.start(db, viewer, content, knowledge, llm, persona, seed=0)
        for text in LINES[1:3]:
            if not practice.ended:
                for _ in practice.say(text):
                    pass
        practice.finish()


def run_threads(url: str, data_dir: Path, reps: list[tuple[int, Viewer]], turns: int, llm_kind: str,
                model_ms: float, think_ms: float, recordings: Path | None,
                ready: Any = None, out: Any = None) -> tuple[list[RepResult], float, float]:  # noqa: ANN401
    """One process's reps, one thread each; the app's way of sharing one Content, store and model."""
    apply_offline_environment()
    instrument_store()
    retries = _Counter()
    logging.getLogger("coach").addHandler(retries)
    content = load_content()
    knowledge = current_store(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    llm = make_model(llm_kind, model_ms, recordings)
    db = Database(url, run_migrations=False)
    warm_up(db, content, knowledge, llm)
    start = threading.Barrier(len(reps) + 1)
    results: list[RepResult] = [RepResult() for _ in reps]

    def rep(slot: int, rep_no: int, viewer: Viewer) -> None:
        results[slot] = hold_calls(db, viewer, content, knowledge, llm, rep_no, turns, think_ms, start)

    threads = [threading.Thread(target=rep, args=(slot, n, v), daemon=True) for slot, (n, v) in enumerate(reps)]
    for thread in threads:
        thread.start()
    if ready is not None:
        ready.wait()  # every process warmed up
    started, cpu = time.perf_counter(), time.process_time()
    start.wait()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.close()
    logging.getLogger("coach").removeHandler(retries)
    results[0].retries = retries.retries
    if out is not None:
        out.put((results, wall, cpu))
    return results, wall, cpu


def record_answers(data_dir: Path, reps: int, turns: int, model_ms: float) -> Path:
    """The replay option's recordings: the same calls, answered once by the echo model and recorded."""
    recordings = data_dir / "recordings.jsonl"
    db = Database(f"sqlite:///{data_dir / 'record.db'}")
    content = load_content()
    knowledge = current_store(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    llm = RecordingBackend(EchoModel(model_ms), RecordingStore(recordings), caller="bench/load.py")
    warm_up(db, content, knowledge, llm)
    for n in range(reps):
        viewer = add_user(db, f"record{n}", "password-123", role="rep", team="record")
        hold_calls(db, viewer, content, knowledge, llm, n, turns, 0)
    db.close()
    return recordings


def percentiles(values: list[float]) -> str:
    if not values:
        return "       -        -        -"
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    return f"{statistics.median(values):8.1f} {p95:8.1f} {max(values):8.1f}"


def check_stored(db: Database, user_ids: list[int], said: dict[tuple[str, int], str]) -> dict[str, int]:
    """Compare what the reps said with what the database holds.

    lost: said, but not stored with the buyer's reply; duplicated: a line stored twice (two rows for
    one turn, or the same line again at another turn of the call); unconfirmed: a row for a turn the
    rep was told had failed.
    """
    with db.engine.connect() as conn:
        rows = conn.execute(select(Turn.session_id, Turn.index, Turn.rep_text, Turn.buyer_text)
                            .join(PracticeSession, PracticeSession.id == Turn.session_id)
                            .where(PracticeSession.user_id.in_(user_ids))).all()
        sessions = conn.execute(select(PracticeSession.id, PracticeSession.ended_at)
                                .where(PracticeSession.user_id.in_(user_ids))).all()
    seen: dict[tuple[str, int], int] = {}
    answered: set[tuple[str, int]] = set()
    said_in = {(sid, text) for (sid, _), text in said.items()}
    wrong_text = repeated = unconfirmed = 0
    for sid, index, rep_text, buyer_text in rows:
        key = (sid, index)
        seen[key] = seen.get(key, 0) + 1
        if buyer_text is not None:
            answered.add(key)
        if key in said and said[key] != rep_text:
            wrong_text += 1
        elif key not in said:
            repeated += (sid, rep_text) in said_in
            unconfirmed += (sid, rep_text) not in said_in
    return {"stored": sum(1 for key in said if seen.get(key) == 1 and key in answered),
            "lost": sum(1 for key in said if key not in answered),
            "duplicated": sum(n - 1 for n in seen.values() if n > 1) + repeated, "unconfirmed": unconfirmed,
            "wrong_text": wrong_text, "calls": len(sessions),
            "unfinished": sum(1 for _, ended in sessions if ended is None)}


def bench_engine(name: str, url: str, data_dir: Path, args: argparse.Namespace, recordings: Path | None) -> None:
    db = Database(url)
    viewers = [(n, add_user(db, f"loadrep{n}", "password-123", role="rep", team="load")) for n in range(args.reps)]
    user_ids = [v.id for _, v in viewers]
    if args.processes <= 1:
        results, wall, cpu = run_threads(url, data_dir, viewers, args.turns, args.llm, args.model_ms,
                                         args.think_ms, recordings)
    else:
        ctx = mp.get_context("spawn")
        ready, out = ctx.Barrier(args.processes), ctx.Queue()
        shares = [viewers[p::args.processes] for p in range(args.processes)]
        procs = [ctx.Process(target=run_threads, args=(url, data_dir, share, args.turns, args.llm, args.model_ms,
                                                       args.think_ms, recordings, ready, out)) for share in shares]
        for proc in procs:
            proc.start()
        collected = [out.get() for _ in procs]
        for proc in procs:
            proc.join()
        results = [r for rs, _, _ in collected for r in rs]
        wall, cpu = max(w for _, w, _ in collected), sum(c for _, _, c in collected)
    said = {key: text for r in results for key, text in r.said.items()}
    counts = check_stored(db, user_ids, said)
    db.close()
    errors = [e for r in results for e in r.errors]
    turn_ms = [x for r in results for x in r.turn_ms]
    locked = sum("locked" in e.lower() for e in errors)
    unavailable = sum(e.startswith("StoreUnavailable") for e in errors)
    how = f"{args.processes} processes" if args.processes > 1 else "threads"
    print(f"\n{name}: {args.reps} reps x {args.turns} turns, {how}, llm {args.llm}"
          f"{f' ({args.model_ms:g} ms)' if args.llm == 'scripted' else ''}, think {args.think_ms:g} ms")
    print(f"  turns said          {len(said)} in {wall:.2f} s = {len(said) / wall:.1f} turns/s; "
          f"calls {counts['calls']} ({counts['unfinished']} unfinished); "
          f"app CPU {cpu:.2f} s = {1000 * cpu / max(len(said), 1):.1f} ms/turn"
          + (" (+ the server's)" if name != "SQLite" else ""))
    print(f"  {'ms':18} {'p50':>8} {'p95':>8} {'max':>8}")
    print(f"  turn without model {percentiles(turn_ms)}")
    print(f"    store            {percentiles([x for r in results for x in r.store_ms])}")
    print(f"    buyer            {percentiles([x for r in results for x in r.buyer_ms])}")
    print(f"  model              {percentiles([x for r in results for x in r.model_ms])}"
          + (f"  (model's words used {sum(r.voiced for r in results)}/{len(said)}, "
             f"model failures {sum(r.model_failed for r in results)})" if args.llm != "none" else ""))
    print(f"  finish (grade)     {percentiles([x for r in results for x in r.finish_ms])}")
    print(f"  stored exactly once {counts['stored']}/{len(said)}: lost {counts['lost']}, duplicated "
          f"{counts['duplicated']}, text differs {counts['wrong_text']}, stored after an error {counts['unconfirmed']}")
    print(f"  errors reaching a rep {len(errors)} (StoreUnavailable {unavailable}, locked {locked}); "
          f"store retries absorbed {sum(r.retries for r in results)}")
    for error in sorted(set(errors))[:5]:
        print(f"    {error[:160]}")
    p95 = statistics.quantiles(turn_ms, n=20, method="inclusive")[18] if len(turn_ms) > 1 else float("inf")
    met = p95 < 100 and counts["lost"] == 0 and counts["duplicated"] == 0 and not errors
    print(f"  goal p95 < 100 ms, 0 lost, 0 errors: {'met' if met else 'NOT met'} "
          f"(p95 {p95:.1f} ms, lost {counts['lost']}, errors {len(errors)})")


class _Counter(logging.Handler):
    """Counts the store's 'retry' warnings: database trouble absorbed before it reached a rep."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.retries += "retry" in record.getMessage()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--llm", choices=["none", "scripted", "replay"], default="none")
    parser.add_argument("--model-ms", type=float, default=0.0, help="time the scripted model takes per reply")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause before each rep line (0: flat out)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    apply_offline_environment()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        current_store(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]  # ingest once
        recordings = record_answers(data_dir, args.reps, args.turns, args.model_ms) if args.llm == "replay" else None
        if args.only in (None, "sqlite"):
            bench_engine("SQLite", f"sqlite:///{data_dir / 'load.db'}", data_dir, args, recordings)
        if args.only in (None, "postgresql"):
            from tests.pg import FIX, TempPostgres, binaries

            if binaries() is None:
                print(f"\nPostgreSQL: skipped, server binaries not found; {FIX}")
                return
            server = TempPostgres()
            try:
                bench_engine("PostgreSQL", server.fresh_database("load"), data_dir, args, recordings)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
