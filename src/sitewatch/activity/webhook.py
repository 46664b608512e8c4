"""Alerts delivered to a webhook as JSON (HTTP POST)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from sitewatch.activity.alerts import Alert
from sitewatch.errors import WebhookError


def send_webhook(
    alerts: Sequence[Alert], url: str, timeout: float = 10.0, *, idempotency_key: str = ""
) -> int:
    """POST the alerts as JSON ``{"alerts": [...]}`` to ``url``; returns the HTTP status.
    ``idempotency_key`` is sent as the ``Idempotency-Key`` header when given."""
    body = json.dumps({"source": "sitewatch", "alerts": [a.to_dict() for a in alerts]}).encode()
    headers = {"Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise WebhookError(
            f"webhook {url} answered HTTP {exc.code}; alerts not delivered"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"cannot reach webhook {url}: {reason}") from None
    return status
