"""The review UI's presentation helpers (Streamlit app: ``app_streamlit.py`` at the repo root).

:mod:`.highlight` (safe highlighted text) and :mod:`.tables` (what the screens show) are plain
Python; :mod:`.common`, :mod:`.essays`, :mod:`.pairs` and :mod:`.committee` draw the screens and
need the ``app`` extra (streamlit, altair). No checking happens here: it all comes from the report.
"""

from .highlight import Span, highlight

__all__ = ["Span", "highlight"]
