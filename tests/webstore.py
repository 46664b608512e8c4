"""A store for the web tests: the NAIP series of one demo site run (chips, change
pairs, figures), with constructed vehicle counts that raise one alert, a claim about
it, and an API token."""

from __future__ import annotations

from pathlib import Path

from sitewatch.activity.alerts import alerts_for_site
from sitewatch.activity.figures import Observation
from sitewatch.claims.extract import extract_claims
from sitewatch.imagery.sources import open_source
from sitewatch.pipeline.site import run_site
from sitewatch.sites.watchlist import builtin_sites, demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest

NAIP_BANDS = ["red", "green", "blue", "nir"]
SITE = "demo-naip-nd"


def build_web_store(folder: Path, data_dir: Path) -> tuple[str, str]:
    """(database URL, API token) of a store made in ``folder``."""
    url = f"sqlite:///{folder / 'web.db'}"
    with Store(url) as store:
        site = next(s for s in demo_sites() if s.id == SITE)
        store.add_site(site)
        for other in builtin_sites()[:2]:
            store.add_site(other, replace=True)
        ingest(open_source(str(data_dir / "timeseries" / "naip"), band_names=NAIP_BANDS), store)
        run_site(store, site)
        scenes = [e.scene for e in store.list_scenes(site.id)]
        values = [5, 6, 5, 4, 6, 5, 30, 31, 5, 6]
        store.put_observations(
            Observation(site.id, "vehicle_count", float(v), sc.time_utc, sc.id)
            for v, sc in zip(values, scenes, strict=True)
        )
        store.put_alerts(alerts_for_site(store.observations(site.id)), complete_for=[site.id])
        text = (
            "Satellite imagery shows construction at the North Dakota fields in July 2012, "
            "officials said."
        )
        store.put_claims(extract_claims(text, store.list_sites(), source="test"))
        _, token = store.create_token("tests")
    return url, token
