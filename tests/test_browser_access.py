"""A real browser tries to open another rep's call: by URL (query string, page paths) and through the sidebar.

Uses the same server and browser helpers as `tests/test_browser.py`; screenshots go to `artifacts/browser/`.
"""

from __future__ import annotations

import pytest

from coach.config import Settings
from coach.db import ensure_demo, open_database, sign_in
from tests.test_access import finished_call, line_of
from tests.test_browser import ROOT, app_server, browser_tools, run_script


@pytest.mark.integration
def test_a_rep_cannot_open_another_reps_call_by_url_in_a_real_browser(tmp_path):
    node, chromium = browser_tools()
    db = open_database(Settings(_env_file=None, data_dir=tmp_path / "data"))
    ensure_demo(db)
    rep1, rep2 = (sign_in(db, name, "practice-demo", delay_s=0) for name in ("rep1", "rep2"))
    finished_call(db, rep2, line_of("rep2"))
    rival = finished_call(db, rep1, line_of("rep1"))  # the newest: the one the review page opens first
    db.close()
    with app_server(tmp_path) as url:
        artifacts = ROOT / "artifacts" / "browser"
        report, result = run_script(node, "access.mjs", url, str(artifacts), chromium, rival, line_of("rep1"),
                                    line_of("rep2"))
    assert result.returncode == 0 and report.get("ok"), (report, result.stderr[-2000:])
    assert report["leaks"] == [] and len(report["steps"]) == 7, report
    assert (artifacts / "access-1-review-url.png").stat().st_size > 10_000
