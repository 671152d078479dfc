"""Streamlit entry point: `streamlit run app.py` (or `make app`)."""

from coach.ui.chat_page import render

render()
