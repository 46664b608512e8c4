"""Times as SiteWatch writes and reads them: ISO 8601, UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(t: datetime) -> str:
    """ISO 8601 in UTC with a 'Z' suffix."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    """Parse ISO 8601; naive times are taken as UTC."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
