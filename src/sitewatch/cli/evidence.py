"""``sitewatch evidence``: evidence bundles for an alert or a claim, and their check."""

from __future__ import annotations

import click

from sitewatch.cli.options import ROW_ID, CliState, emit_json, json_option, pass_state
from sitewatch.report.evidence import alert_finding, build_bundle, claim_finding, verify_bundle


@click.group("evidence")
def evidence_group() -> None:
    """Evidence bundles: pictures, vectors, figures, a PDF brief and hashes in one zip."""


FINDINGS = {"alert": alert_finding, "claim": claim_finding}


def _bundle_command(kind: str, help_text: str) -> click.Command:
    @click.command(kind, help=help_text)
    @click.argument("finding_id", type=ROW_ID, metavar=f"{kind.upper()}_ID")
    @click.option(
        "--out", required=True, type=click.Path(dir_okay=False), help="The .zip to write."
    )
    @json_option
    @pass_state
    def command(state: CliState, finding_id: int, out: str, as_json: bool) -> None:
        finding = FINDINGS[kind](state.store, finding_id)
        manifest = build_bundle(state.store, finding, out)
        if as_json:
            emit_json(manifest)
            return
        click.echo(f"{finding.title}: {len(manifest['files'])} file(s) with SHA-256; wrote {out}")

    return command


evidence_group.add_command(
    _bundle_command("alert", "Bundle the evidence of an alert: the dates before and at its start.")
)
evidence_group.add_command(
    _bundle_command(
        "claim", "Bundle the evidence a claim was checked against (run `claims check` first)."
    )
)


@evidence_group.command("verify")
@click.argument("bundle", type=click.Path(dir_okay=False))
def evidence_verify(bundle: str) -> None:
    """Recheck every file of a bundle against its manifest (exit 2 on any mismatch)."""
    manifest = verify_bundle(bundle)
    click.echo(f"{bundle}: all {len(manifest['files'])} file(s) match their SHA-256")
