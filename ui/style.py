"""The lab's look on a projector and a small laptop screen: CSS the whole app shares (set once by
app.py, before any page runs), and the presentation mode that enlarges text, charts and pictures.

Streamlit draws everything in rem, so one root font size scales the text, and charts (Vega) are
zoomed as a whole so their labels grow with them.
"""

from __future__ import annotations

import streamlit as st

PRESENTATION_KEY = "lab_presentation"
QUERY = "present"

# Always: captions readable on the dark theme (Streamlit fades them to 60% opacity); segmented
# controls wrap rather than clip; at 1024 px the sidebar and the page margins give back ~200 px.
BASE_CSS = """
[data-testid="stCaptionContainer"], [data-testid="stImageCaption"],
[data-testid="stCaptionContainer"] p { color: #d4d4d4 !important; opacity: 1 !important; }
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; row-gap: 0.25rem; }
[data-testid="stMetricValue"] .stMarkdownEllipsis,
[data-testid="stMetricValue"] p { white-space: normal; text-overflow: clip; overflow: visible; }
[data-testid="stSidebarNavLink"] span { color: rgba(250, 250, 250, 0.9); }
[data-testid="stPageLink"] .stMarkdownEllipsis, [data-testid="stPageLink"] p {
  white-space: normal; text-overflow: clip; overflow: visible; }
@media (max-width: 1280px) {
  section[data-testid="stSidebar"] { width: 200px !important; min-width: 200px !important; }
  [data-testid="stMainBlockContainer"] { padding-left: 1.25rem; padding-right: 1.25rem; }
  [data-testid="stPopoverButton"], [data-testid^="stBaseButton"] {
    padding-left: 0.55rem; padding-right: 0.55rem; }
}
"""

# Presentation mode: 125% text, and charts and pictures drawn bigger, for the back of a room.
PRESENTATION_CSS = """
html { font-size: 20px; }
[data-testid="stVegaLiteChart"] { zoom: 1.25; }
section[data-testid="stSidebar"] [data-testid="stSidebarNavLink"] span,
section[data-testid="stSidebar"] [data-testid="stWidgetLabel"] p { font-size: 15px !important; }
@media (max-width: 1280px) {
  section[data-testid="stSidebar"] { width: 240px !important; min-width: 240px !important; }
}
"""


def css(presentation: bool) -> str:
    """The style sheet for the app: the base rules, plus the presentation rules when asked."""
    return "<style>" + BASE_CSS + (PRESENTATION_CSS if presentation else "") + "</style>"


def apply_style() -> bool:
    """The sidebar's presentation switch and the app's style sheet; True in presentation mode.

    `?present=1` in the address starts a session in presentation mode (a bookmark for the
    classroom's computer), and the switch keeps the address in step."""
    if PRESENTATION_KEY not in st.session_state:
        st.session_state[PRESENTATION_KEY] = st.query_params.get(QUERY) == "1"
    on = st.sidebar.toggle(
        "Presentation mode",
        key=PRESENTATION_KEY,
        help="Larger text, charts and pictures, for a projector or the back of a classroom.",
    )
    if on:
        st.query_params[QUERY] = "1"
    else:
        st.query_params.pop(QUERY, None)
    st.html(css(on))
    return on
