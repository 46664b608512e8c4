"""Alerts delivered to a webhook as JSON (HTTP POST).

The URL must pass the network policy (:mod:`sitewatch.network`: http(s) with a host, no
link-local address unless allowed).  A delivery has a timeout per socket operation and a
total deadline: a server that answers one byte at a time is abandoned when the deadline
passes.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from sitewatch.activity.alerts import Alert
from sitewatch.errors import WebhookError
from sitewatch.network import check_url, urlopen, within_deadline


def check_webhook_url(url: str) -> str:
    """``url`` if the network policy allows it as a webhook (see :mod:`sitewatch.network`),
    else InvalidURLError saying why."""
    return check_url(url, "webhook URL")


def send_webhook(
    alerts: Sequence[Alert],
    url: str,
    timeout: float = 10.0,
    *,
    deadline: float = 30.0,
    idempotency_key: str = "",
) -> int:
    """POST the alerts as JSON ``{"alerts": [...]}`` to ``url``; returns the HTTP status.

    ``timeout`` bounds each connect and read, ``deadline`` the whole request.
    ``idempotency_key`` is sent as the ``Idempotency-Key`` header when given."""
    check_webhook_url(url)
    body = json.dumps({"source": "sitewatch", "alerts": [a.to_dict() for a in alerts]}).encode()
    headers = {"Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)

    def post() -> int:
        try:
            with urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise WebhookError(
                f"webhook {url} answered HTTP {exc.code}; alerts not delivered"
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WebhookError(f"cannot reach webhook {url}: {reason}") from None

    try:
        return within_deadline(post, deadline)
    except TimeoutError:
        raise WebhookError(f"webhook {url} did not answer within {deadline:g} s") from None
