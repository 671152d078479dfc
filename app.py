"""Streamlit entry point: `streamlit run app.py` (or `make app`)."""

from coach.ui.app import main

main()
