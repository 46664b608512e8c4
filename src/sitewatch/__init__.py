"""SiteWatch: watch declared sites of interest in satellite imagery over time."""

import logging

from sitewatch.errors import SitewatchError

__version__ = "0.1.0"
__all__ = ["SitewatchError", "__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
