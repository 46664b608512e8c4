"""Claims extraction on adversarial text: a sentence naming a site and an activity,
followed by 100,000 characters built to make backtracking patterns quadratic (one run of
capital letters, repeated "U.S.", repeated "Aa "), against ordinary prose of the same
length (the baseline, measured in the same run); and the same prose as an HTML page, read
to its main text (trafilatura) and then extracted, for the cost of reading a web page, and
as a PDF report read by pypdf.

Run:  .venv/bin/python benchmarks/bench_claims.py [--chars 100000]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from sitewatch.claims import article_from_html, extract_claims
from sitewatch.claims.article import article_from_pdf
from sitewatch.sites import builtin_sites

HEAD = "Trucks were seen moving at Sohae on Tuesday, "
PROSE = (
    "Commercial satellite imagery of the launch station shows the rail-mounted transfer "
    "building being reassembled, analysts at a think tank said. "
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=100_000)
    n = parser.parse_args().chars
    cases = {
        "ordinary prose (baseline)": HEAD + (PROSE * (n // len(PROSE) + 1))[:n],
        "one run of capitals": HEAD + "A" * n,
        'repeated "U.S."': HEAD + "U.S." * (n // 4),
        'repeated "Aa "': HEAD + "Aa " * (n // 3),
    }
    sites = builtin_sites()
    times = {}
    for name, text in cases.items():
        t0 = time.perf_counter()
        extract_claims(text, sites, date(2019, 3, 8))
        times[name] = time.perf_counter() - t0
    # Prose as a web page: numbered sentences (a page reader drops repeated paragraphs),
    # ten to a paragraph, in an article with navigation and a footer around it; timed as
    # plain text and as the page read to its text and then extracted.
    numbered: list[str] = []
    while sum(len(x) for x in numbered) < n:
        numbered.append(PROSE.replace("analysts", f"{len(numbered)} analysts"))
    plain = HEAD + "".join(numbered)
    paragraphs = "".join(
        f"<p>{''.join(numbered[k : k + 10])}</p>\n" for k in range(0, len(numbered), 10)
    )
    page = (
        "<!DOCTYPE html><html><head><title>Rebuilding at Sohae</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article><p>{HEAD}</p>"
        f"{paragraphs}</article><footer>Copyright</footer></body></html>"
    )
    cases["numbered prose"] = plain
    cases["the same as an HTML page"] = page
    t0 = time.perf_counter()
    extract_claims(plain, sites, date(2019, 3, 8))
    times["numbered prose"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    article = article_from_html(page, "page.html")
    extract_claims(article.text, sites, date(2019, 3, 8))
    times["the same as an HTML page"] = time.perf_counter() - t0
    assert len(article.text) > 0.95 * len(plain), "the page reader dropped text"
    # The same prose as a PDF report (matplotlib writes it, untimed: 95 characters a line,
    # 55 lines a page), read by pypdf and then extracted.
    pdf = report_pdf([HEAD, *("".join(numbered[k : k + 10]) for k in range(0, len(numbered), 10))])
    name = "the same as a PDF"
    cases[name] = f"{len(pdf)} bytes"
    t0 = time.perf_counter()
    report = article_from_pdf(pdf, "report.pdf")
    extract_claims(report.text, sites, date(2019, 3, 8))
    times[name] = time.perf_counter() - t0
    assert len(report.text) > 0.95 * len(plain), "the PDF reader dropped text"
    base = next(iter(times.values()))
    print(f"{'text':<28} {'size':>14} {'seconds':>8} {'ratio':>6}")
    for name, seconds in times.items():
        size = cases[name] if name == "the same as a PDF" else f"{len(cases[name])} chars"
        print(f"{name:<28} {size:>14} {seconds:8.3f} {seconds / base:6.2f}")


def report_pdf(paragraphs: list[str]) -> bytes:
    """Paragraphs as a PDF with text (TrueType fonts), a blank line between them."""
    import io
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    lines = [line for p in paragraphs for line in [*textwrap.wrap(p, 95), ""]]
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buf) as pdf:
        for start in range(0, len(lines), 55):
            fig = plt.figure(figsize=(8.5, 11))
            for i, line in enumerate(lines[start : start + 55]):
                fig.text(0.05, 0.96 - 0.017 * i, line, fontsize=8)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


if __name__ == "__main__":
    main()
