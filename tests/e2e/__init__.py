"""Browser tests: the real app (`streamlit run app.py`) driven by Playwright in Chromium."""
