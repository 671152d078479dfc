"""Benchmark of speed in a real browser (Playwright + Chromium, headless, loopback). Prints numbers;
asserts nothing.

Starts `streamlit run app.py` with a fresh data folder, then measures: the sign-in page on the first
visit after start (cold) and on later visits (warm); each page opened from the navigation once warm
(until its heading shows and the run settles); and, in a call, the time from Enter to the buyer's
first word on screen and to the end of the reply. Targets (issue: every page < 1 s warm, sign-in < 3 s
cold, first word p95 < 1 s warm) are printed beside the figures.

    .venv/bin/python bench/browser.py [--llm local|none] [--repeats 3]

Needs node, Chromium and playwright-core (`bash scripts/ensure-browser.sh`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import BROWSER, app_server  # noqa: E402 - the same server the browser tests start

LINES = [
    "Thanks for making time. Is 30 minutes still right for you?",
    "What would make this quarter a good one for you?",
    "How far off has your cash forecast been against actuals?",
    "What has that cost you with the lenders this year?",
    "If the forecast landed within 2%, what would that change for you?",
    "Could we take 30 minutes next Tuesday with you and your controller to size it?",
]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(name: str, values: list[float], target: str) -> str:
    if not values:
        return f"{name:<34} (not measured)"
    return (f"{name:<34} median {statistics.median(values):6.2f} s   p95 {p95(values):6.2f} s   "
            f"n={len(values):<3} {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="local", choices=["local", "none"],
                        help="the buyer's voice: the embedded model (the default app) or composed lines only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    node, chromium = shutil.which("node"), shutil.which("chromium") or shutil.which("chromium-browser")
    if not (node and chromium and (BROWSER / "node_modules" / "playwright-core").is_dir()):
        sys.exit("needs node, Chromium and playwright-core: run `bash scripts/ensure-browser.sh`")
    with tempfile.TemporaryDirectory() as tmp, app_server(Path(tmp), COACH_LLM=args.llm) as url:
        result = subprocess.run([node, str(BROWSER / "speed.mjs"), url, chromium, json.dumps(LINES),
                                 str(args.repeats)], capture_output=True, text=True, timeout=1800)
    report = json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else {}
    if not report.get("ok"):
        sys.exit(f"the browser run failed at {report.get('step', 'the start')}: "
                 f"{report.get('error') or result.stderr[-2000:]}")
    print(f"browser speed ({args.llm} voice, 1280x720, headless Chromium, this machine)")
    print(line("sign-in page, first visit (cold)", [report["sign_in_cold_s"]], "target < 3 s"))
    print(line("sign-in page, warm, a new browser", report["sign_in_warm_s"], "target < 1 s"))
    print(line("sign-in page, warm, returning", report["sign_in_returning_s"], "target < 1 s"))
    for page, values in report["pages"].items():
        print(line(f"{page} page, warm", values, "target < 1 s"))
    print(line("Enter -> buyer's first word", report["first_word_s"][1:], "target p95 < 1 s (warm: first turn left out)"))
    print(line("Enter -> first word, first turn", report["first_word_s"][:1], "(may start the model)"))
    print(line("Enter -> reply complete", report["turn_s"][1:], ""))


if __name__ == "__main__":
    main()
