"""Every error SiteWatch raises on purpose.

All of them derive from :class:`SitewatchError`, so callers (the CLI, the web
layer) can catch one class and turn it into a one-line message.  Where an error
specialises a built-in (a missing file is also a ``FileNotFoundError``), it
inherits that too, so ``except OSError`` keeps working for library users.

Messages say what was wrong and what to do about it.
"""

from __future__ import annotations


class SitewatchError(Exception):
    """Root of every SiteWatch error."""


class InputNotFoundError(SitewatchError, FileNotFoundError):
    """A file, folder or catalog named by the user does not exist."""


class CorruptImageError(SitewatchError, OSError):
    """A file exists but cannot be read as an image."""


class NotGeoreferencedError(SitewatchError, ValueError):
    """An image without a CRS or geotransform where one is required."""


class MissingBandError(SitewatchError, LookupError):
    """A requested band is not in the scene."""


class CRSMismatchError(SitewatchError, ValueError):
    """Two georeferenced inputs disagree on their coordinate reference system."""


class NoOverlapError(SitewatchError, ValueError):
    """An image does not cover the area asked for."""


class InsufficientDataError(SitewatchError, ValueError):
    """Too few valid, overlapping pixels for a measurement (co-registration, statistics)."""


class UnconfirmedShiftError(InsufficientDataError):
    """A global co-registration shift that independent windows do not confirm (the match
    latched onto changed content, not the ground); the images are better left as they
    are."""


class EmptyCatalogError(SitewatchError, ValueError):
    """A STAC catalog, collection or search returned no items."""


class InvalidGeoJSONError(SitewatchError, ValueError):
    """GeoJSON that is malformed or breaks RFC 7946 in a way we cannot repair."""


class InvalidSiteError(SitewatchError, ValueError):
    """A site definition with a missing or invalid field."""


class SiteExistsError(InvalidSiteError):
    """A site with that id is already in the watchlist."""


class SiteNotFoundError(SitewatchError, LookupError):
    """No site with the given id in the watchlist."""


class SceneNotFoundError(SitewatchError, LookupError):
    """No scene with the given id in the store."""


class InvalidSceneError(SitewatchError, ValueError):
    """A scene or STAC item lacks what SiteWatch needs (time, footprint, bands)."""


class SourceError(SitewatchError, ConnectionError):
    """An imagery source (a STAC API) could not be reached or answered badly."""


class StoreError(SitewatchError, RuntimeError):
    """The database could not be opened, migrated or written."""


class AlertNotFoundError(SitewatchError, LookupError):
    """No stored alert has that id."""


class ModelNotFoundError(SitewatchError, FileNotFoundError):
    """A model (change or detection) or its manifest is missing from the installation."""


class UnknownGsdError(SitewatchError, ValueError):
    """A plain pixel grid was given without its ground sample distance."""


class InvalidTextError(SitewatchError, ValueError):
    """The text could not be read as an article."""


class TargetNotFoundError(SitewatchError, LookupError):
    """No listed target has that name."""


class WebhookError(SitewatchError, ConnectionError):
    """The webhook could not be reached or refused the alerts."""


class SubscriptionNotFoundError(SitewatchError, LookupError):
    """No imagery subscription with that id."""


class WebhookNotFoundError(SitewatchError, LookupError):
    """No configured webhook with that URL."""


class ChipNotFoundError(SitewatchError, FileNotFoundError):
    """A chip the store refers to is missing from the workspace."""


class InvalidURLError(SitewatchError, ValueError):
    """A URL SiteWatch will not use: malformed, another scheme, or an address refused."""


class InvalidRangeError(SitewatchError, ValueError):
    """A missile range that is not a positive, finite distance."""


class OutputError(SitewatchError, OSError):
    """An output file that cannot be written where the user asked."""


class ResourceLimitError(SitewatchError, ValueError):
    """An input would need more memory than a configured limit allows
    (see :mod:`sitewatch.limits`)."""


class ImageTooCoarseError(SitewatchError, ValueError):
    """An image whose pixels are too large to see the objects asked for."""


class InvalidBBoxError(SitewatchError, ValueError):
    """A lon/lat bounding box that is malformed, empty or crosses the antimeridian."""


class TokenNotFoundError(SitewatchError, LookupError):
    """An API token id that is not in the store."""


class NotImageryError(SitewatchError, ValueError):
    """A STAC item that holds a finding (a SiteWatch change product), not imagery."""


class AssetChangedError(SitewatchError, ValueError):
    """An image file whose content changed since it was ingested."""


class EvidenceMismatchError(SitewatchError, ValueError):
    """An evidence bundle whose files do not match its manifest's hashes."""


class ExecutorError(SitewatchError, RuntimeError):
    """The chosen executor cannot run: Dask missing, bad options, no scheduler there."""
