"""Streamlit entry point: `streamlit run app.py` (or `make app`)."""

import streamlit as st

from coach.config import check_env_file
from coach.errors import CoachError

try:
    check_env_file()  # before any library reads .env on import
except CoachError as exc:
    st.error(exc.message)
    st.stop()

from coach.ui.app import main  # noqa: E402 - only once .env is known to be readable

main()
