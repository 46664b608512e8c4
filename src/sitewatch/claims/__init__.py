"""Claims from published text (who says what happened where and when) and their check
against the imagery's observations and alerts."""

from sitewatch.claims.article import (
    Article,
    article_from_bytes,
    article_from_html,
    article_from_pdf,
    fetch_article,
    read_article,
)
from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim, extract_claims, split_sentences

__all__ = [
    "Article",
    "Claim",
    "article_from_bytes",
    "article_from_html",
    "article_from_pdf",
    "check_claim",
    "extract_claims",
    "fetch_article",
    "read_article",
    "split_sentences",
]
