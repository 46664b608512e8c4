"""Claims from published text (who says what happened where and when) and their check
against the imagery's observations and alerts."""

from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim, extract_claims, split_sentences

__all__ = ["Claim", "check_claim", "extract_claims", "split_sentences"]
