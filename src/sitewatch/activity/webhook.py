"""Alerts delivered to a webhook as JSON (HTTP POST).

The URL must pass the network policy (:mod:`sitewatch.network`: http(s) with a host, no
link-local address unless allowed).  A delivery has a timeout per socket operation and a
total deadline: a server that answers one byte at a time is abandoned when the deadline
passes.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence

from sitewatch.activity.alerts import Alert
from sitewatch.errors import WebhookError
from sitewatch.network import check_url, exchange


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
    return exchange(
        request,
        lambda response: int(response.status),
        timeout=timeout,
        deadline=deadline,
        fail=lambda why: WebhookError(f"webhook {url} {why}; alerts not delivered"),
    )
