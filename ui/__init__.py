"""Streamlit helpers shared by app.py and the pages: run picker, session defaults, messages."""
