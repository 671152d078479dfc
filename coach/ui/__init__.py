"""Streamlit pages. Pages read state, call the library, render; nothing else."""
