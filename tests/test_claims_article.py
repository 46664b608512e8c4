"""Reports read from HTML pages, PDFs and web pages (a server on 127.0.0.1), by the
library, the CLI and the HTTP API."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from sitewatch.claims import article_from_html, extract_claims, read_article
from sitewatch.claims.article import article_from_pdf, pdf_paragraphs
from sitewatch.errors import InvalidTextError, InvalidURLError, ResourceLimitError, SourceError
from sitewatch.sites.watchlist import builtin_sites
from tests.helpers import assert_one_line_error, run_cli
from tests.webhook import serve_local

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Satellite images show rebuilding at Sohae launch site | Korea Wire</title>
<meta property="og:site_name" content="Korea Wire">
<meta property="og:title" content="Satellite images show rebuilding at Sohae launch site">
<meta property="article:published_time" content="2019-03-07T09:30:00+09:00">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/nk">North Korea</a></li></ul></nav>
<main><article>
<h1>Satellite images show rebuilding at Sohae launch site</h1>
<p>North Korea is rapidly rebuilding the rail-mounted transfer building at the Sohae
Satellite Launching Station, a U.S. think tank said Thursday, citing commercial satellite
imagery.</p>
<p>Cargo vehicles were seen near the engine test stand at Sohae on Wednesday. The work
appears to have begun after the Hanoi summit ended without a deal.</p>
<p>Separately, there were no signs of activity at the Punggye-ri nuclear test site,
according to the report.</p>
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/a">Yongbyon reactor restarts, officials say</a>
</li></ul></aside>
<footer><p>Copyright 2019 Korea Wire. All rights reserved.</p></footer>
</body>
</html>
"""

#: A report's lines as a PDF lays them out: a heading, a paragraph with a word hyphenated
#: across two lines, a short last line, and a paragraph about an unwatched site.
REPORT_LINES = [
    "Sohae Satellite Launching Station: rebuilding continues",
    "",
    "Commercial satellite imagery from March 2 shows that North Korea is re-",
    "building the rail-mounted transfer building at the Sohae Satellite",
    "Launching Station. Cargo vehicles were seen near the engine test stand",
    "on Wednesday.",
    "There were no signs of activity at the Punggye-ri nuclear test site",
    "in the same imagery, the report said.",
]


#: A report over two pages, as a think tank prints it: a running header, page numbers, and
#: a paragraph that names Sohae on the first page and the vehicles on the second.
TWO_PAGES = (
    [
        "Beyond Parallel | Imagery Brief",
        "",
        "Commercial satellite imagery from March 2 shows that North Korea is re-",
        "building the rail-mounted transfer building at the Sohae Satellite",
        "Launching Station, and the work has moved quickly since the summit in",
        "1",
    ],
    [
        "Beyond Parallel | Imagery Brief",
        "Hanoi. On the launch pad itself, cargo vehicles were seen near the",
        "engine test stand on Wednesday.",
        "2",
    ],
)

#: TWO_PAGES read: one paragraph, across the page break.
ACROSS = (
    "Commercial satellite imagery from March 2 shows that North Korea is rebuilding the "
    "rail-mounted transfer building at the Sohae Satellite Launching Station, and the "
    "work has moved quickly since the summit in Hanoi. On the launch pad itself, cargo "
    "vehicles were seen near the engine test stand on Wednesday."
)


def report_pdf(
    *pages: Sequence[str],
    title: str = "Sohae rebuilding",
    created: datetime = datetime(2019, 3, 7, tzinfo=UTC),
) -> bytes:
    """``pages`` (lines each; REPORT_LINES when none are given) as a PDF with text
    (TrueType fonts), written by matplotlib, with ``title`` and ``created`` in its
    metadata."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        PdfPages(buf, metadata={"Title": title, "CreationDate": created}) as pdf,
    ):
        for lines in pages or (REPORT_LINES,):
            fig = plt.figure(figsize=(8.5, 11))
            for i, line in enumerate(lines):
                fig.text(0.08, 0.92 - 0.025 * i, line, fontsize=11)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


PLAIN = "Cargo vehicles were seen moving at the Sanumdong factory on Friday, officials said.\n"


def _summary(claims: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (c["site_id"], c["activity"], c["attribution"], c["window"][0][:10]) for c in claims
    )


#: What the page says: the headline and the first paragraph about rebuilding (the
#: headline in the outlet's voice, the paragraph in the think tank's, both up to the page's
#: date), the vehicles on the Wednesday before it; nothing from the navigation, the
#: "Most read" box (Yongbyon) or the footer.
EXPECTED = [
    ("sohae", "construction/rebuilding", "Korea Wire", "2019-02-05"),
    ("sohae", "construction/rebuilding", "U.S. think tank", "2019-02-05"),
    ("sohae", "vehicle movement", "Korea Wire", "2019-03-06"),
]


def test_html_page_becomes_text_title_date_and_publisher() -> None:
    page = article_from_html(PAGE, "korea-wire.html")
    assert page.title == "Satellite images show rebuilding at Sohae launch site"
    assert page.published == date(2019, 3, 7)
    assert page.publisher == "Korea Wire"
    # The claims' source: the publisher given, else the page's own, else the file.
    assert (page.source(), page.source("38 North")) == ("Korea Wire", "38 North")
    assert replace(page, publisher="").source() == "korea-wire.html"
    url = "https://korea-wire.example/2019/03/sohae.html"
    assert replace(page, location=url).source("38 North") == url
    paragraphs = page.text.split("\n\n")
    assert paragraphs[0] == page.title
    assert paragraphs[1].startswith("North Korea is rapidly rebuilding")
    assert (
        "rail-mounted transfer building at the Sohae Satellite Launching Station" in paragraphs[1]
    )
    assert len(paragraphs) == 4
    for boilerplate in ("Home", "Most read", "Yongbyon", "Copyright"):
        assert boilerplate not in page.text
    claims = extract_claims(page.text, builtin_sites(), page.published, publisher=page.publisher)
    assert _summary([c.to_dict() for c in claims]) == EXPECTED


def test_pages_without_article_text_and_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidTextError, match="no article text"):
        article_from_html("<html><body><script>var x = 1;</script></body></html>", "x.html")
    (tmp_path / "a.txt").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InvalidTextError, match="not UTF-8"):
        read_article(str(tmp_path / "a.txt"))
    with pytest.raises(FileNotFoundError, match="is not a file"):
        read_article(str(tmp_path))
    # A page saved without an .html suffix is recognised by its content.
    (tmp_path / "saved").write_text(PAGE, encoding="utf-8")
    assert read_article(str(tmp_path / "saved")).publisher == "Korea Wire"
    # Plain text stays as it is, with no date or publisher.
    (tmp_path / "wire.txt").write_text(PLAIN, encoding="utf-8")
    plain = read_article(str(tmp_path / "wire.txt"))
    assert (plain.text, plain.published, plain.publisher) == (PLAIN, None, "")


def test_pdf_lines_become_paragraphs() -> None:
    assert pdf_paragraphs(["\n".join(REPORT_LINES)]) == [
        "Sohae Satellite Launching Station: rebuilding continues",
        "Commercial satellite imagery from March 2 shows that North Korea is rebuilding the "
        "rail-mounted transfer building at the Sohae Satellite Launching Station. Cargo "
        "vehicles were seen near the engine test stand on Wednesday.",
        "There were no signs of activity at the Punggye-ri nuclear test site in the same "
        "imagery, the report said.",
    ]
    assert pdf_paragraphs([""]) == pdf_paragraphs([]) == []
    across = [ACROSS]
    assert pdf_paragraphs(["\n".join(page) for page in TWO_PAGES]) == across
    # Page numbers as "Page 2 of 3" or "- 2 -", a footer with the page's number in it.
    numbered = [
        "\n".join(["GOV/2019/5", *page[1:-1], f"GOV/2019/5 Page {n} of 2"])
        for n, page in enumerate(TWO_PAGES, 1)
    ]
    assert pdf_paragraphs(numbered) == across
    dashed = ["\n".join([*page[:-1], f"- {n} -"]) for n, page in enumerate(TWO_PAGES, 1)]
    assert pdf_paragraphs(dashed) == across


def test_pdf_report_becomes_text_title_and_date(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = article_from_pdf(report_pdf(), "sohae.pdf")
    assert (report.title, report.published) == ("Sohae rebuilding", date(2019, 3, 7))
    paragraphs = report.text.split("\n\n")
    assert paragraphs[0] == "Sohae rebuilding"
    assert "North Korea is rebuilding the rail-mounted transfer building" in paragraphs[2]
    claims = extract_claims(report.text, builtin_sites(), report.published, publisher="CSIS")
    assert {(c.site_id, c.activity) for c in claims} == {
        ("sohae", "construction/rebuilding"),
        ("sohae", "vehicle movement"),
    }
    assert {c.window_start.date() for c in claims if c.activity == "vehicle movement"} == {
        date(2019, 3, 6)
    }
    two_pages = article_from_pdf(report_pdf(*TWO_PAGES), "brief.pdf")
    assert two_pages.text.split("\n\n")[1:] == [ACROSS]  # no header, no page numbers
    for made_from in ("Microsoft Word - sohae_brief_v3.docx", "sohae-brief.indd", "Untitled-1"):
        untitled = article_from_pdf(report_pdf(title=made_from))
        assert (untitled.title, untitled.text) == ("", report.text.split("\n\n", 1)[1])
    (tmp_path / "report").write_bytes(report_pdf())  # no suffix: known by its signature
    assert read_article(str(tmp_path / "report")).text == report.text
    with caplog.at_level(logging.DEBUG), pytest.raises(InvalidTextError, match="not a readable"):
        article_from_pdf(b"%PDF-1.4\n", "broken.pdf")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # one error only
    with pytest.raises(InvalidTextError, match=r"scan\.pdf has no text to read"):
        article_from_pdf(blank_pdf(), "scan.pdf")
    with pytest.raises(InvalidTextError, match=r"locked\.pdf is encrypted"):
        article_from_pdf(locked(report_pdf(), "secret"), "locked.pdf")
    assert article_from_pdf(locked(report_pdf(), ""), "no-copying.pdf").text == report.text


def blank_pdf() -> bytes:
    """A page with no text, as a scanned report is to a text reader."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def locked(pdf: bytes, user_password: str) -> bytes:
    """``pdf`` encrypted with AES-256: with an empty user password, as reports that forbid
    copying or printing are (anyone may open them), else only for who has the password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Site(BaseHTTPRequestHandler):
    """A news site: the page, a plain-text wire copy, a PDF report (also as a download of
    no particular type), a broken PDF, a photo, a page too large, two redirects, a 404."""

    requests: list[str] = []  # noqa: RUF012 - one list for the test module's server

    def do_GET(self) -> None:
        self.requests.append(self.path)
        routes: dict[str, tuple[int, str, bytes]] = {
            "/2019/03/sohae.html": (200, "text/html; charset=utf-8", PAGE.encode()),
            "/wire.txt": (200, "text/plain; charset=utf-8", PLAIN.encode()),
            "/report.pdf": (200, "application/pdf", report_pdf()),
            "/download/7": (200, "application/octet-stream", report_pdf()),
            "/broken.pdf": (200, "application/pdf", b"%PDF-1.4\n"),
            "/photo.jpg": (200, "image/jpeg", b"\xff\xd8\xff"),
            "/huge.html": (200, "text/html", PAGE.encode() * 50),
        }
        status, kind, body = routes.get(self.path, (404, "text/html", b"<h1>Not found</h1>"))
        moved = {"/latest": "/2019/03/sohae.html", "/metadata": "http://169.254.169.254/x"}
        if self.path in moved:  # redirects: one to the page, one to a metadata service
            status, kind, body = 302, "text/html", b""
            self.send_response(status)
            self.send_header("Location", moved[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def news_site() -> Iterator[str]:
    with serve_local(_Site) as url:
        yield url


def test_web_pages_are_fetched_under_the_network_policy(
    news_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = read_article(f"{news_site}/2019/03/sohae.html")
    assert (page.published, page.publisher, page.location) == (
        date(2019, 3, 7), "Korea Wire", f"{news_site}/2019/03/sohae.html"
    )  # fmt: skip
    assert read_article(f"{news_site}/wire.txt").text == PLAIN
    assert read_article(f"{news_site}/latest").publisher == "Korea Wire"
    with pytest.raises(SourceError, match=r"redirect to .* link-local"):
        read_article(f"{news_site}/metadata")
    assert read_article(f"{news_site}/report.pdf").published == date(2019, 3, 7)
    assert read_article(f"{news_site}/download/7").title == "Sohae rebuilding"  # by signature
    with pytest.raises(InvalidTextError, match="not a readable PDF"):
        read_article(f"{news_site}/broken.pdf")
    with pytest.raises(InvalidTextError, match="image/jpeg, not a web page, PDF or plain text"):
        read_article(f"{news_site}/photo.jpg")
    with pytest.raises(SourceError, match="HTTP 404"):
        read_article(f"{news_site}/gone.html")
    monkeypatch.setenv("SITEWATCH_MAX_PAGE_BYTES", "10000")
    with pytest.raises(ResourceLimitError, match="SITEWATCH_MAX_PAGE_BYTES"):
        read_article(f"{news_site}/huge.html")
    seen = len(_Site.requests)
    with pytest.raises(InvalidURLError, match="link-local"):
        read_article("http://169.254.169.254/latest/meta-data/")
    monkeypatch.setenv("SITEWATCH_ALLOWED_HOSTS", "example.org")
    with pytest.raises(InvalidURLError, match="not in SITEWATCH_ALLOWED_HOSTS"):
        read_article(f"{news_site}/2019/03/sohae.html")
    assert len(_Site.requests) == seen  # refused before any request


def test_cli_reads_urls_html_files_and_html_on_stdin(
    runner: CliRunner, db_url: str, news_site: str, tmp_path: Path
) -> None:
    url = f"{news_site}/2019/03/sohae.html"
    r = run_cli(runner, db_url, "claims", "extract", url, "--json")
    assert r.exit_code == 0, r.output
    claims = json.loads(r.stdout)
    assert _summary(claims) == EXPECTED
    assert {c["source"] for c in claims} == {url}  # traceable to the page
    assert {c["published"] for c in claims} == {"2019-03-07T00:00:00Z"}
    # The options win over the page's metadata.
    r = run_cli(
        runner, db_url, "claims", "extract", url, "--no-store", "--json",
        "--source", "Yonhap", "--published", "2019-03-15",
    )  # fmt: skip
    overridden = json.loads(r.stdout)
    assert {c["attribution"] for c in overridden} == {"Yonhap", "U.S. think tank"}
    assert "2019-03-13" in {c["window"][0][:10] for c in overridden}  # Wednesday before 15th
    saved = tmp_path / "sohae.html"
    saved.write_text(PAGE, encoding="utf-8")
    r = run_cli(runner, db_url, "claims", "extract", str(saved), "--no-store", "--json")
    assert _summary(json.loads(r.stdout)) == EXPECTED
    assert {c["source"] for c in json.loads(r.stdout)} == {"Korea Wire"}
    r = run_cli(runner, db_url, "claims", "extract", "-", "--no-store", "--json", input=PAGE)
    assert _summary(json.loads(r.stdout)) == EXPECTED
    r = run_cli(runner, db_url, "claims", "extract", str(saved), "--no-store")
    assert "in sohae.html (published 2019-03-07, by Korea Wire)" in " ".join(r.stdout.split())
    assert_one_line_error(
        run_cli(runner, db_url, "claims", "extract", f"{news_site}/gone.html"), "HTTP 404"
    )
    pdf = f"{news_site}/report.pdf"
    r = run_cli(runner, db_url, "claims", "extract", pdf, "--no-store", "--json")
    assert {(c["site_id"], c["activity"], c["source"]) for c in json.loads(r.stdout)} == {
        ("sohae", "construction/rebuilding", pdf),
        ("sohae", "vehicle movement", pdf),
    }
    # Many reports in one call: past the one that fails, which is listed; exit 1.
    gone = f"{news_site}/gone.html"
    r = run_cli(runner, db_url, "claims", "extract", url, gone, str(saved), "--no-store", "--json")
    assert r.exit_code == 1, r.output
    assert [c["source"] for c in json.loads(r.stdout)] == [url] * 3 + ["Korea Wire"] * 3
    assert r.stderr.splitlines() == [
        f"skipped {gone}: {gone} answered HTTP 404; no article read",
        "1 of 3 report(s) failed",
    ]
    r = run_cli(runner, db_url, "claims", "extract", gone, str(tmp_path / "none.txt"))
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == "2 of 2 report(s) failed"
    assert_one_line_error(
        run_cli(runner, db_url, "claims", "extract", "ftp://example.org/a.txt"), "http"
    )


def test_api_reads_text_html_or_url(
    client: TestClient, auth: dict[str, str], news_site: str
) -> None:
    url = f"{news_site}/2019/03/sohae.html"
    made = client.post("/api/claims", json={"url": url, "store": False}, headers=auth)
    assert made.status_code == 201, made.text
    assert _summary(made.json()) == EXPECTED
    assert {c["source"] for c in made.json()} == {url}
    pdf = f"{news_site}/report.pdf"
    report = client.post("/api/claims", json={"url": pdf, "store": False}, headers=auth)
    assert report.status_code == 201, report.text
    assert {(c["site_id"], c["activity"], c["source"]) for c in report.json()} == {
        ("sohae", "construction/rebuilding", pdf),
        ("sohae", "vehicle movement", pdf),
    }
    html = client.post("/api/claims", json={"html": PAGE, "store": False}, headers=auth)
    assert _summary(html.json()) == EXPECTED
    text = client.post(
        "/api/claims",
        json={"text": PLAIN, "published": "2019-03-10", "publisher": "Wire", "store": False},
        headers=auth,
    ).json()
    assert [(c["site_id"], c["attribution"]) for c in text] == [("sanumdong", "officials")]
    assert {c["source"] for c in text} == {"Wire"}  # as `claims extract --source Wire`
    for body in ({"store": False}, {"text": PLAIN, "url": url}):
        bad = client.post("/api/claims", json=body, headers=auth)
        assert bad.status_code == 422
        assert "exactly one of text, html and url" in bad.text
    gone = client.post("/api/claims", json={"url": f"{news_site}/gone.html"}, headers=auth)
    assert gone.status_code == 400
    assert "HTTP 404" in gone.json()["error"]


def test_api_reads_a_document_sent_as_the_body(
    client: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def send(body: bytes, kind: str, query: str = "", **headers: str) -> Any:
        return client.post(
            f"/api/claims/document?store=false{query}",
            content=body,
            headers={"Content-Type": kind, **headers},
        )

    pdf = send(report_pdf(), "application/pdf", "&name=sohae.pdf", **auth)
    assert pdf.status_code == 201, pdf.text
    assert {(c["site_id"], c["activity"], c["source"]) for c in pdf.json()} == {
        ("sohae", "construction/rebuilding", "sohae.pdf"),
        ("sohae", "vehicle movement", "sohae.pdf"),
    }
    moving = [c["window"][0][:10] for c in pdf.json() if c["activity"] == "vehicle movement"]
    assert moving == ["2019-03-06"]  # "on Wednesday" before the PDF's date
    unnamed = send(report_pdf(), "application/octet-stream", **auth)  # known by signature
    assert {c["source"] for c in unnamed.json()} == {"the document"}
    assert _summary(send(PAGE.encode(), "text/html; charset=utf-8", **auth).json()) == EXPECTED
    # Over the app's 1 MiB body limit but within the report limit: plain text is read.
    plain = send(
        PLAIN.encode() + b"\n" * (1 << 20),
        "text/plain",
        "&published=2019-03-10&publisher=Wire",
        **auth,
    )
    assert plain.status_code == 201, plain.text
    assert [(c["site_id"], c["attribution"]) for c in plain.json()] == [("sanumdong", "officials")]
    assert send(report_pdf(), "application/pdf").status_code == 401
    broken = send(b"%PDF-1.4\n", "application/pdf", "&name=broken.pdf", **auth)
    assert broken.status_code == 400
    assert "broken.pdf is not a readable PDF" in broken.json()["error"]
    photo = send(b"\xff\xd8\xff\xe0", "image/jpeg", **auth)
    assert photo.status_code == 400
    assert "not UTF-8 plain text, an HTML page or a PDF" in photo.json()["error"]
    monkeypatch.setenv("SITEWATCH_MAX_PAGE_BYTES", "1000")
    assert send(report_pdf(), "application/pdf", **auth).status_code == 413
    assert (
        client.post("/api/claims", json={"text": "x" * 2_000_000}, headers=auth).status_code == 413
    )
