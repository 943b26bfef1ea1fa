"""``bbb-migrate simulate``: the BBB simulator in the foreground, for demos and manual tests."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..source.checksum import ALGORITHMS


@click.command()
@click.option("--published-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder with one folder per record ID holding metadata.xml "
                   "(a BBB server's published/presentation).")
@click.option("--video-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder with <record ID>/video-0.m4v: those recordings get a video playback.")
@click.option("--catalogue", type=click.IntRange(min=0), default=0,
              help="Also serve N generated recordings.")
@click.option("--seed", type=int, default=2024, help="Seed of the generated catalogue.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True,
              help="0 picks a free port.")
@click.option("--secret-env", default="BBB_SECRET", show_default=True,
              help="Environment variable with the shared secret (unset: the well-known "
                   "default 'simulator-secret').")
@click.option("--checksums", default=",".join(ALGORITHMS), show_default=True,
              help="Accepted checksum algorithms, comma separated.")
@click.option("--scalelite", is_flag=True, help="Behave as Scalelite (no paging, no sha384).")
@click.option("--no-paging", is_flag=True, help="Behave as BBB before 2.6 (no offset/limit).")
@click.option("--no-total-elements", is_flag=True,
              help="Honour offset/limit without totalElements, like bbblb.")
@click.option("--deny-fetch-all", is_flag=True,
              help="bbb-web allowFetchAllRecordings=false.")
@click.option("-v", "--verbose", is_flag=True, help="Log each request.")
def simulate(published_dir: Path | None, video_dir: Path | None, catalogue: int, seed: int,
             host: str, port: int, secret_env: str, checksums: str, scalelite: bool,
             no_paging: bool, no_total_elements: bool, deny_fetch_all: bool,
             verbose: bool) -> None:
    """Serve a simulated BBB server (getRecordings, playback pages, files) until interrupted."""
    from ..simulator import SimulatorConfig, SimulatorServer, serve_forever

    allowed = tuple(c.strip() for c in checksums.split(",") if c.strip())
    unknown = sorted(set(allowed) - set(ALGORITHMS))
    if unknown or not allowed:
        raise click.BadParameter(f"unknown algorithm(s) {unknown}; known: {list(ALGORITHMS)}",
                                 param_hint="--checksums")
    secret = os.environ.get(secret_env)
    config = SimulatorConfig(published_dir=published_dir, video_dir=video_dir,
                             catalogue_size=catalogue, seed=seed, host=host, port=port,
                             checksums=allowed, paging=not no_paging,
                             total_elements=not no_total_elements,
                             allow_fetch_all=not deny_fetch_all, scalelite=scalelite,
                             verbose=verbose)
    if secret:
        config.secret = secret
    else:
        click.echo(f"{secret_env} is not set: using the simulator's well-known default secret "
                   f"'{config.secret}'", err=True)
    shown_host = host if host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    kind = "Scalelite" if scalelite else "BBB"

    def ready(server: SimulatorServer) -> None:
        count = len(server.recordings)
        click.echo(f"{kind} simulator: {count} recording{'' if count == 1 else 's'}; API URL "
                   f"http://{shown_host}:{server.server_port}/bigbluebutton/  (Ctrl-C to stop)")

    try:
        serve_forever(config, ready)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
