"""Reports as text: a plain-text file, an HTML page or a PDF saved to disk, standard
input, or a web page or PDF fetched by URL.

An HTML page is reduced to its main text (navigation, footers and comments dropped) with
its title, publication date and site name, by trafilatura.  The title becomes the first
paragraph (headlines carry sources: "...: 38 North"), and each of the page's paragraphs a
paragraph of the text, so that the extractor follows a site through a paragraph as it
does in plain text.

A PDF (think-tank reports, IAEA reports and statements) is read page by page by pypdf;
running headers, footers and page numbers are dropped, and its lines are joined into
paragraphs that go on across page breaks (a line clearly shorter than the usual line ends
one; a word hyphenated across lines is joined); its title and creation date come from its
metadata.  Scanned PDFs have no text to read.

Fetching obeys :mod:`sitewatch.network` (http(s) only, link-local refused, the hosts
allow-list, connect and read timeouts), reads at most ``SITEWATCH_MAX_PAGE_BYTES``
(default 16 MiB) and gives up on a page not read in ``SITEWATCH_PAGE_DEADLINE`` seconds
(default 60; a server that trickles bytes never trips the per-read timeout).
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sitewatch.errors import InputNotFoundError, InvalidTextError, ResourceLimitError, SourceError
from sitewatch.limits import env_number
from sitewatch.network import check_url, exchange, is_url, read_timeout

#: The content types a report is read from, and whether each is HTML (None: a PDF, known
#: by its signature); a fetched document of another type is refused unless it is a PDF.
DOCUMENT_TYPES: dict[str, bool | None] = {
    "application/pdf": None,
    "text/html": True,
    "application/xhtml+xml": True,
    "text/plain": False,
}
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_PDF_SIGNATURE = b"%PDF-"
#: A line shorter than this share of the document's median line length ends its paragraph.
_SHORT_LINE = 0.85


@dataclass(frozen=True)
class Article:
    """A report's text and what its page says about it.

    ``published`` and ``publisher`` come from the page's metadata (None and "" for plain
    text); ``location`` is where it was read: a URL, a file name or "stdin"."""

    text: str
    location: str
    title: str = ""
    published: date | None = None
    publisher: str = ""

    @property
    def is_web_page(self) -> bool:
        return is_url(self.location)

    def source(self, publisher: str = "") -> str:
        """Where its claims are from: a fetched page's URL; else who published it
        (``publisher``, or the document's own), else the file it was read from."""
        if self.is_web_page:
            return self.location
        return publisher or self.publisher or self.location


def max_page_bytes() -> int:
    return int(env_number("SITEWATCH_MAX_PAGE_BYTES", 16 * 1024 * 1024))


def page_deadline() -> float:
    """Seconds a web page may take in all (``SITEWATCH_PAGE_DEADLINE``, default 60)."""
    return env_number("SITEWATCH_PAGE_DEADLINE", 60.0)


def looks_like_html(data: bytes) -> bool:
    """True when the document starts like an HTML page (a doctype or an html element)."""
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def article_from_html(html: str | bytes, location: str = "") -> Article:
    """The main text, title, date and site name of an HTML page (``location``: its URL,
    which helps find the date and site name, or its file name)."""
    import trafilatura  # only when a page is read: the CLI starts without it

    doc = trafilatura.bare_extraction(
        html,
        url=location if is_url(location) else None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={"original_date": True},
    )
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        raise InvalidTextError(f"{location or 'the page'} has no article text to read")
    title = " ".join((getattr(doc, "title", None) or "").split())
    paragraphs = [" ".join(line.split()) for line in body.splitlines() if line.strip()]
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)
    raw_date = getattr(doc, "date", None)
    try:
        published = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        published = None
    return Article(
        text="\n\n".join(paragraphs),
        location=location,
        title=title,
        published=published,
        publisher=" ".join((getattr(doc, "sitename", None) or "").split()),
    )


def pdf_paragraphs(pages: Sequence[str]) -> list[str]:
    """The paragraphs of a PDF from its pages' extracted text.

    Running headers and footers (a line at the top or bottom of at least half the pages,
    page numbers aside) and page numbers are dropped, and the pages' lines read as one
    stream, so a paragraph goes on across a page break.  Lines are joined with a space (a
    word hyphenated at a line's end joined whole); a paragraph ends at a blank line or at
    a line clearly shorter than the document's median line (a paragraph's last line, a
    heading)."""
    pages_lines = [[" ".join(line.split()) for line in text.splitlines()] for text in pages]
    edge_keys = [{i: _edge_key(page[i]) for i in _edges(page)} for page in pages_lines]
    running = _running_lines(edge_keys)
    lines = [
        line
        for page, keys in zip(pages_lines, edge_keys, strict=True)
        for i, line in enumerate(page)
        if i not in keys or not (keys[i] in running or _PAGE_NO(line))
    ]
    lengths = [len(line) for line in lines if line]
    usual = statistics.median(lengths) if lengths else 0
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if line:
            if current.endswith("-") and line[:1].islower():
                current = current[:-1] + line
            else:
                current = f"{current} {line}" if current else line
        if current and (not line or len(line) < _SHORT_LINE * usual):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


#: A PDF title that is only the file it was made from ("Microsoft Word - brief_v3.docx").
_FILE_TITLE = re.compile(
    r"(?:microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|odt|rtf|pptx?|indd|tex|pdf)|untitled.*)",
    re.IGNORECASE,
).fullmatch


def pdf_title(title: str) -> str:
    """A PDF's metadata title, or "" where it only names the file it was made from."""
    title = " ".join(title.split())
    return "" if _FILE_TITLE(title) else title


#: A page number standing alone: "12", "- 12 -", "Page 3", "Page 3 of 10", "iv".
_PAGE_NO = re.compile(
    r"(?:page\s+)?(?:\d{1,4}|x{0,3}(?:ix|iv|v?i{0,3}))(?:\s*(?:of|/)\s*\d{1,4})?"
    r"|[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]",
    re.IGNORECASE,
).fullmatch
#: How many lines at the top and at the bottom of a page may be a header or footer.
_EDGE_LINES = 2


def _edges(page: Sequence[str]) -> set[int]:
    """Indices of a page's first and last ``_EDGE_LINES`` non-blank lines."""
    filled = [i for i, line in enumerate(page) if line]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _edge_key(line: str) -> str:
    """A header or footer line with its numbers blanked ("GOV/2021/40 Page 3")."""
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(edge_keys: Sequence[dict[int, str]]) -> set[str]:
    """The edge lines' keys (per page, :func:`_edge_key` by line index) found on at least
    half the pages (and at least two): running headers and footers."""
    if len(edge_keys) < 2:
        return set()
    seen = Counter(key for keys in edge_keys for key in set(keys.values()))
    return {key for key, n in seen.items() if n >= max(2, len(edge_keys) / 2)}


def article_from_pdf(data: bytes, location: str = "") -> Article:
    """The text of a PDF's pages, with its metadata's title and creation date."""
    from pypdf import PdfReader  # only when a PDF is read

    # pypdf logs how it repairs a damaged file; what cannot be read is one error below.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    what = location or "the PDF"
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidTextError(f"{what} is encrypted; no text to read")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = pdf_title(meta.title or "") if meta else ""
        created = meta.creation_date if meta else None
    except InvalidTextError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file: all one error
        raise InvalidTextError(f"{what} is not a readable PDF ({exc})") from None
    paragraphs = pdf_paragraphs(pages)
    if not paragraphs:
        raise InvalidTextError(f"{what} has no text to read (a scanned PDF?)")
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)
    return Article(
        text="\n\n".join(paragraphs),
        location=location,
        title=title,
        published=created.date() if created else None,
    )


def article_from_bytes(data: bytes, location: str, *, html: bool | None = None) -> Article:
    """A document's bytes as an article: a PDF (by its signature), an HTML page (``html``
    True, or None and the bytes look like one) or UTF-8 plain text."""
    if data.startswith(_PDF_SIGNATURE):
        return article_from_pdf(data, location)
    if looks_like_html(data) if html is None else html:
        return article_from_html(data, location)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidTextError(
            f"{location} is not UTF-8 plain text, an HTML page or a PDF"
        ) from None
    return Article(text=text, location=location)


def fetch_article(url: str) -> Article:
    """Download a web page (or a PDF or plain-text document) and read it as an article."""
    check_url(url, "article URL")
    limit = max_page_bytes()
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "sitewatch",
            "Accept": "text/html, application/pdf, text/plain;q=0.9",
        },
    )

    def download(response: Any) -> tuple[bytes, str]:
        data: bytes = response.read(limit + 1)
        return data, response.headers.get_content_type()

    deadline = page_deadline()
    data, kind = exchange(
        request,
        download,
        timeout=read_timeout(),
        deadline=deadline,
        fail=lambda why: SourceError(f"{url} {why}; no article read"),
        deadline_setting="SITEWATCH_PAGE_DEADLINE",
    )
    if len(data) > limit:
        raise ResourceLimitError(
            f"{url} is larger than {limit} bytes (SITEWATCH_MAX_PAGE_BYTES); not read"
        )
    if kind == "application/pdf":  # read as one even when it is not: "not a readable PDF"
        return article_from_pdf(data, url)
    # Another type is refused, but for a PDF (downloads are often application/octet-stream).
    if kind not in DOCUMENT_TYPES and not data.startswith(_PDF_SIGNATURE):
        raise InvalidTextError(f"{url} is {kind}, not a web page, PDF or plain text")
    return article_from_bytes(data, url, html=DOCUMENT_TYPES.get(kind))


def read_article(location: str) -> Article:
    """An article from a URL (fetched), a PDF, an HTML file (``.html``, ``.htm`` or
    content that starts like a page) or a UTF-8 plain-text file."""
    if is_url(location):
        return fetch_article(location)
    path = Path(location)
    if not path.is_file():
        raise InputNotFoundError(
            f"{location} is not a file" if path.exists() else f"{location} does not exist"
        )
    limit = max_page_bytes()
    if path.stat().st_size > limit:
        raise ResourceLimitError(
            f"{location} is larger than {limit} bytes (SITEWATCH_MAX_PAGE_BYTES); not read"
        )
    html = True if path.suffix.lower() in _HTML_SUFFIXES else None
    return article_from_bytes(path.read_bytes(), path.name, html=html)
