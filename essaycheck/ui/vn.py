"""Vietnamese presentation: numbers, percentages, Vietnam time, accent-free search keys.

Plain Python (no Streamlit), shared by the review screens, the Excel report and the printable
unit report, so that every screen and file writes "58,3%" and "02/12/2026 03:22" the same way.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

# Vietnam has kept UTC+7 without daylight saving since 1975: a fixed offset needs no tz database.
VN_TZ = timezone(timedelta(hours=7), "ICT")


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` → ``"1.234,5"``: dot for thousands, comma for decimals (Vietnamese usage)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(share: float | None, decimals: int = 0) -> str:
    """A share ``0.583`` as ``"58%"`` (or ``"58,3%"`` with one decimal)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ""
    return f"{number(100 * share, decimals)}%"


def vn_datetime(value: str | datetime | None) -> datetime | None:
    """An ISO time (UTC when it has no offset) in Vietnam time; ``None`` if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN_TZ)


def vn_time(value: str | datetime | None, seconds: bool = False) -> str:
    """``"2026-12-01T20:22:20+00:00"`` → ``"02/12/2026 03:22"`` (Vietnam time)."""
    when = vn_datetime(value)
    if when is None:
        return "" if value is None else str(value)
    return when.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def now_vn() -> datetime:
    return datetime.now(VN_TZ)


def fold(text: object) -> str:
    """Search key: lower case, no tone marks or diacritics, "đ" as "d", spaces collapsed, so
    that "vo thanh tung" finds "Võ Thanh Tùng" and "phong tu phap" finds "Phòng Tư pháp"."""
    decomposed = unicodedata.normalize("NFD", str(text).casefold().replace("đ", "d"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.split())
