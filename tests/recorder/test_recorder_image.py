"""Static checks of recorder-image/Dockerfile (no Docker engine here): the instructions a
reviewer would look for, parsed with line continuations joined."""

from __future__ import annotations

import json
import re
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "recorder-image" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_base_is_debian_slim():
    args = {rest.split("=")[0]: rest.split("=")[1] for kw, rest in instructions() if kw == "ARG"}
    base = next(rest for kw, rest in instructions() if kw == "FROM")
    assert base == "debian:${DEBIAN_RELEASE}-slim" and args["DEBIAN_RELEASE"] in (
        "bookworm", "trixie", "stable")


def test_installs_the_tested_packages_and_no_browser_download():
    runs = " ".join(rest for kw, rest in instructions() if kw == "RUN")
    for package in ("chromium", "xvfb", "pulseaudio", "ffmpeg", "fonts-dejavu-core",
                    "fonts-liberation", "fonts-noto-core", "tini"):
        assert re.search(rf"\s{re.escape(package)}\s", runs), package
    assert "--no-install-recommends" in runs and "rm -rf /var/lib/apt/lists" in runs
    assert "playwright install" not in runs
    # Only the recorder's extra: the image carries no Kubernetes client.
    assert 'pip install "/src[recorder]"' in runs and "[operator]" not in runs
    assert re.search(r"\slibcairo2\s", runs)  # the compose engine's SVG rasteriser


def test_runs_as_non_root_with_recorder_entrypoint():
    users = [rest for kw, rest in instructions() if kw == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    entrypoint = json.loads(next(rest for kw, rest in instructions() if kw == "ENTRYPOINT"))
    assert entrypoint == ["/usr/bin/tini", "--", "bbb-migrate", "record"]


def test_writes_only_tmp_and_output():
    env = " ".join(rest for kw, rest in instructions() if kw == "ENV")
    assert "HOME=/tmp" in env and "TMPDIR=/tmp" in env
    volumes = json.loads(next(rest for kw, rest in instructions() if kw == "VOLUME"))
    assert volumes == ["/output"]
