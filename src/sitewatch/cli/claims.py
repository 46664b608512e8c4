"""``sitewatch claims extract PATH|URL``, ``claims list`` and ``claims check``."""

from __future__ import annotations

import click
from rich.table import Table

from sitewatch.claims.extract import Claim, extract_claims, parse_date
from sitewatch.cli.options import (
    CliState,
    console,
    emit_json,
    end_batch,
    json_option,
    pass_state,
    progress_bar,
)
from sitewatch.errors import SitewatchError
from sitewatch.pipeline.evidence import check_stored_claims


@click.group("claims")
def claims_group() -> None:
    """Claims from published reports, checked against imagery."""


@claims_group.command("extract")
@click.argument("locations", metavar="PATH|URL...", nargs=-1, required=True)
@click.option(
    "--published",
    help="Publication date (2019-03-08, March 8, 2019, 8 Mar. 2019); relative dates "
    "resolve against it. Default: the page's or PDF's date, else today.",
)
@click.option(
    "--source",
    "publisher",
    metavar="NAME",
    help="Who published the text (a think tank, an outlet): the attribution of what it "
    "says in its own voice, and the claims' source. Default: a web page's site name.",
)
@click.option("--no-store", is_flag=True, help="Print only; do not store the claims.")
@json_option
@pass_state
def claims_extract(
    state: CliState,
    locations: tuple[str, ...],
    published: str | None,
    publisher: str | None,
    no_store: bool,
    as_json: bool,
) -> None:
    """Read reports and list (and store) the claims they make about sites.

    PATH is a plain-text file, an HTML page or a PDF saved to disk, or `-` (standard
    input); URL is a web page or a PDF, fetched and reduced to its main text, title,
    date and site name. A fetched report's claims have its URL as their source. Many
    reports in one call go on past one that cannot be read, list it on stderr and exit
    1 (2 when all failed)."""
    from sitewatch.claims.article import Article, article_from_bytes, read_article

    try:
        given = parse_date(published) if published else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--published") from None
    sites = state.store.list_sites()

    def read_one(location: str) -> tuple[list[Claim], str]:
        article: Article
        if location == "-":
            with click.open_file("-", mode="rb") as stream:
                article = article_from_bytes(stream.read(), "stdin")
        else:
            article = read_article(location)
        pub = given or article.published
        by = publisher or article.publisher
        claims = extract_claims(article.text, sites, pub, source=article.source(by), publisher=by)
        if not no_store:
            claims = state.store.put_claims(claims)
        read_as = [f"published {pub:%Y-%m-%d}" if pub else "", f"by {by}" if by else ""]
        note = ", ".join(x for x in read_as if x)
        title = f"{len(claims)} claim(s) in {article.location}"
        return claims, title + (f" ({note})" if note else "")

    read: list[tuple[list[Claim], str]] = []
    failed: list[tuple[str, str]] = []
    with progress_bar() as bar:
        task = bar.add_task("read", total=len(locations), what="")
        for n, location in enumerate(locations):
            bar.update(task, completed=n, what=location)
            try:
                read.append(read_one(location))
            except SitewatchError as exc:
                if len(locations) == 1:
                    raise
                failed.append((location, str(exc)))
        bar.update(task, completed=len(locations))
    if as_json:
        emit_json([c.to_dict() for claims, _ in read for c in claims])
    else:
        for claims, title in read:
            _table(claims, title)
    end_batch(failed, len(locations), "report(s)")


@claims_group.command("list")
@click.option("--site", "site_id")
@json_option
@pass_state
def claims_list(state: CliState, site_id: str | None, as_json: bool) -> None:
    """Stored claims and their status."""
    claims = state.store.list_claims(site_id)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s)")


@claims_group.command("check")
@click.option("--site", "site_id", help="Only this site's claims.")
@json_option
@pass_state
def claims_check(state: CliState, site_id: str | None, as_json: bool) -> None:
    """Set each stored claim's status against the imagery-derived observations in its
    window: supported, not supported, or no imagery, with the evidence."""
    claims = check_stored_claims(state.store, site_id)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s) checked")


def _table(claims: list[Claim], title: str) -> None:
    table = Table(title=title)
    columns = ("id", "site", "activity", "polarity", "modality", "window", "attribution",
               "hedged", "status", "sentence")  # fmt: skip
    for col in columns:
        table.add_column(col)
    for c in claims:
        table.add_row(
            str(c.id or ""), c.site_id or "", c.activity, c.polarity, c.modality,
            f"{c.window_start:%Y-%m-%d}..{c.window_end:%Y-%m-%d}",
            f"{c.attribution} ({c.attribution_type})" if c.attribution else "",
            "yes" if c.hedged else "", c.status, c.sentence,
        )  # fmt: skip
    console().print(table)
