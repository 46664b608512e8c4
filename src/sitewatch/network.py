"""One policy for every outbound request (STAC catalogs and APIs, image assets read
through GDAL, webhooks).

* Only ``http`` and ``https`` URLs with a host; GDAL connection strings (``WMS:...``,
  ``/vsi...``) and other schemes are refused.
* Link-local addresses (169.254.0.0/16, fe80::/10, where cloud metadata services answer)
  are refused unless ``SITEWATCH_ALLOW_LINK_LOCAL=1``.  ``SITEWATCH_ALLOWED_HOSTS``
  (comma-separated host names or addresses), when set, is the only hosts allowed.
* Timeouts: ``SITEWATCH_CONNECT_TIMEOUT`` (default 10 s) to connect and
  ``SITEWATCH_READ_TIMEOUT`` (default 30 s) per read, for every client; webhooks also
  have a total deadline.
* JSON documents (STAC catalogs and items) are read up to ``SITEWATCH_MAX_JSON_BYTES``
  (default 32 MiB).
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

from sitewatch.errors import InvalidURLError, SitewatchError
from sitewatch.limits import env_number

T = TypeVar("T")

_GDAL_PREFIX = re.compile(r"^(/vsi|[A-Za-z][A-Za-z0-9_]*:(?!//))")


def connect_timeout() -> float:
    return env_number("SITEWATCH_CONNECT_TIMEOUT", 10.0)


def read_timeout() -> float:
    return env_number("SITEWATCH_READ_TIMEOUT", 30.0)


def max_json_bytes() -> int:
    return int(env_number("SITEWATCH_MAX_JSON_BYTES", 32 * 1024 * 1024))


def is_url(href: str) -> bool:
    return "://" in href and not href.startswith("file://")


def local_path(href: str) -> str:
    """A local href without its ``file://`` scheme."""
    return href.removeprefix("file://")


def check_url(url: str, what: str = "URL") -> str:
    """``url`` if the policy allows it (see the module docstring), else InvalidURLError
    saying why, naming ``what`` it was for."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a malformed port raises here
    except ValueError as exc:
        raise InvalidURLError(f"{what} {url!r} is malformed: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidURLError(
            f"{what} {url!r} must start with http:// or https://"
            + (f" (not {parts.scheme}://)" if parts.scheme else "")
        )
    if not host:
        raise InvalidURLError(f"{what} {url!r} has no host")
    allowed = [h.strip().lower() for h in os.environ.get("SITEWATCH_ALLOWED_HOSTS", "").split(",")]
    allowed = [h for h in allowed if h]
    if allowed and host.lower() not in allowed:
        raise InvalidURLError(f"{what} {url!r}: host {host} is not in SITEWATCH_ALLOWED_HOSTS")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if (
        address is not None
        and address.is_link_local
        and os.environ.get("SITEWATCH_ALLOW_LINK_LOCAL") != "1"
    ):
        raise InvalidURLError(
            f"{what} {url!r} points at a link-local address (cloud metadata services "
            "live there); refused (set SITEWATCH_ALLOW_LINK_LOCAL=1 to allow)"
        )
    return url


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects followed only to URLs the policy allows (a page must not bounce a
    request to a metadata service or a host outside the allow-list)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        try:
            check_url(newurl, "redirect to")
        except InvalidURLError:
            fp.close()  # the refused redirect's response; urllib closes it only when it follows
            raise
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_CheckedRedirects)


def urlopen(request: urllib.request.Request, timeout: float) -> Any:
    """``urllib.request.urlopen`` with every redirect checked against the policy (the
    first URL is the caller's to check, with :func:`check_url`)."""
    return _OPENER.open(request, timeout=timeout)


def check_gdal_href(href: str) -> str:
    """An image href GDAL may open: a local path, or an http(s) URL the policy allows;
    never a GDAL connection string or virtual file system path."""
    if is_url(href):
        return check_url(href, "image URL")
    if _GDAL_PREFIX.match(href):
        raise InvalidURLError(
            f"image href {href!r} is a GDAL connection string or virtual file path; "
            "only local files and http(s) URLs are read"
        )
    return href


def gdal_options() -> dict[str, Any]:
    """GDAL's HTTP settings under this policy."""
    return {
        "GDAL_HTTP_CONNECTTIMEOUT": str(int(connect_timeout())),
        "GDAL_HTTP_TIMEOUT": str(int(read_timeout())),
        "GDAL_HTTP_MAX_RETRY": "2",
        "GDAL_HTTP_RETRY_DELAY": "1",
    }


def within_deadline(call: Callable[[], T], deadline: float) -> T:
    """``call()``'s result, or the exception it raised, when it finishes within
    ``deadline`` seconds; TimeoutError otherwise.  It runs on a daemon thread, so a server
    that trickles one byte at a time (each read within the socket timeout) is abandoned at
    the deadline, and the process can still exit while that socket waits."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller below
            outcome.append((False, exc))

    worker = threading.Thread(target=run, name="deadline", daemon=True)
    worker.start()
    worker.join(deadline)
    if not outcome:
        raise TimeoutError(f"no answer within {deadline:g} s")
    done, value = outcome[0]
    if not done:
        raise value
    result: T = value
    return result


def exchange(
    request: urllib.request.Request,
    read: Callable[[Any], T],
    *,
    timeout: float,
    deadline: float,
    fail: Callable[[str], SitewatchError],
    deadline_setting: str = "",
) -> T:
    """``read(response)`` for ``request``, under the policy's redirect checks, with
    ``timeout`` for each connect and read and ``deadline`` for the whole exchange.

    Every way it can fail raises ``fail(why)``, ``why`` completing a sentence about the
    URL: "answered HTTP 404", "could not be reached: <reason>" or "did not answer within
    30 s" (naming ``deadline_setting``, the variable that sets it, when given); the
    caller's error class and wording say what was lost."""

    def attempt() -> T:
        try:
            with urlopen(request, timeout=timeout) as response:
                return read(response)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise fail(f"answered HTTP {exc.code}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            raise fail(f"could not be reached: {getattr(exc, 'reason', exc)}") from None

    try:
        return within_deadline(attempt, deadline)
    except TimeoutError:
        setting = f" ({deadline_setting})" if deadline_setting else ""
        raise fail(f"did not answer within {deadline:g} s{setting}") from None
