"""``sitewatch chip --site ID --scene ID --out FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from sitewatch.cli.options import POSITIVE, CliState, pass_state, split_list
from sitewatch.imagery.chips import read_chip
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.raster import write_cog, write_png


@click.command()
@click.option("--site", "site_id", required=True, help="Site id.")
@click.option("--scene", "scene_id", required=True, help="Scene id (see `sitewatch scenes list`).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help=".tif or .png")
@click.option("--bands", help="Bands to read, by name or common name (default: optical set).")
@click.option("--gsd", type=POSITIVE, help="Pixel size in metres.")
@pass_state
def chip(
    state: CliState, site_id: str, scene_id: str, out: str, bands: str | None, gsd: float | None
) -> None:
    """Cut a scene to a site on the site's grid (local UTM): a COG, or a picture for .png."""
    site = state.store.get_site(site_id)
    scene = state.store.get_scene(scene_id)
    image = read_chip(scene, site, split_list(bands), gsd)
    if Path(out).suffix.lower() == ".png":
        write_png(to_rgb8(image), out)
    else:
        write_cog(image, out)
    rows, cols = image.shape
    grid = image.grid
    click.echo(
        f"wrote {out}: {cols}x{rows} px, {grid.res[0]:g} m, {grid.crs.to_string()}, "
        f"bands {','.join(image.band_names)}, {image.mask.mean():.0%} valid"
    )
