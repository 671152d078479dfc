"""Links to calls: the URL names the open call (`?call=ID`), so a link or a refresh opens the same call.

Why here: the history and review pages share it; access stays in the queries (a page offers only the
calls its viewer may see, so a link to anyone else's call finds nothing, and says so without naming it).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

PARAM = "call"


def linked_index(call_ids: Sequence[str], default: int = 0) -> int:
    """The position of the call the URL names among those this viewer may open (`default` when it names
    none); a call that is not among them is reported as not found, whoever it belongs to."""
    wanted = st.query_params.get(PARAM)
    if wanted and wanted not in call_ids:
        st.warning("The linked call was not found. Pick one from the list.")
    return call_ids.index(wanted) if wanted in call_ids else default


def name_in_link(call_id: str) -> None:
    """Put the open call in the URL, so copying the address shares it and a refresh reopens it."""
    if st.query_params.get(PARAM) != call_id:
        st.query_params[PARAM] = call_id
