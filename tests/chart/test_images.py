"""The two images and the chart agree: user ids, ports, entrypoint and command line, versions,
repositories. No Docker engine here, so the Dockerfiles are read as text (parsed instruction by
instruction) and the chart's command line is parsed by the operator's real click command."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from chartlib import CHART, REPO, by_kind, manifests, one

import bbb_migrate
from bbb_migrate.spec import RecorderSettings

OPERATOR_DOCKERFILE = REPO / "operator-image" / "Dockerfile"
RECORDER_DOCKERFILE = REPO / "recorder-image" / "Dockerfile"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped[:-1] if stripped.endswith("\\") else " " + stripped
        if not stripped.endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            lines.append((keyword.upper(), rest.strip()))
            current = ""
    return lines


def final_stage(path: Path) -> list[tuple[str, str]]:
    parsed = instructions(path)
    last_from = max(i for i, (k, _) in enumerate(parsed) if k == "FROM")
    return parsed[last_from:]


def _exec_form(argument: str) -> list[str]:
    assert argument.startswith("["), f"use the exec form (JSON array), not {argument!r}"
    return json.loads(argument)


def _chart_values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))


def _chart_meta() -> dict[str, Any]:
    return yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))


def _labels(stage: list[tuple[str, str]]) -> dict[str, str]:
    labels = {}
    for keyword, argument in stage:
        if keyword == "LABEL":
            for token in shlex.split(argument):
                key, _, value = token.partition("=")
                labels[key] = value
    return labels


def test_versions_agree_everywhere() -> None:
    """Chart appVersion = package version = image version label = default image tags."""
    app_version = str(_chart_meta()["appVersion"])
    assert app_version == bbb_migrate.__version__
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^version = "{re.escape(app_version)}"$', pyproject, re.M)
    args = {a.split("=")[0]: a.split("=", 1)[1] for k, a in instructions(OPERATOR_DOCKERFILE)
            if k == "ARG" and "=" in a}
    assert args["VERSION"] == app_version
    values = _chart_values()
    assert values["operator"]["image"]["tag"] in ("", app_version)
    assert values["recorder"]["image"]["tag"] in ("", app_version)


def test_operator_image_runs_as_the_chart_user_on_the_chart_ports() -> None:
    stage = final_stage(OPERATOR_DOCKERFILE)
    user = [a for k, a in stage if k == "USER"]
    assert user, "the operator image must not run as root"
    uid, _, gid = user[-1].partition(":")
    pod_security = _chart_values()["operator"]["podSecurityContext"]
    assert int(uid) == pod_security["runAsUser"] != 0
    assert int(gid) == pod_security["runAsGroup"]
    exposed = {int(p.split("/")[0]) for k, a in stage if k == "EXPOSE" for p in a.split()}
    operator = _chart_values()["operator"]
    assert exposed == {operator["livenessPort"], operator["metricsPort"]}
    labels = _labels(stage)
    repository = operator["image"]["repository"]
    assert repository.rsplit("/", 1)[-1] == labels["org.opencontainers.image.title"]


def test_chart_command_line_is_accepted_by_the_operator_cli() -> None:
    """The Deployment's args, as parsed by the real `bbb-migrate operator` click command."""
    from bbb_migrate.cli import COMMANDS, main

    stage = final_stage(OPERATOR_DOCKERFILE)
    entrypoint = _exec_form(next(a for k, a in reversed(stage) if k == "ENTRYPOINT"))
    assert entrypoint == ["bbb-migrate"]
    scripts = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'bbb-migrate = "bbb_migrate.cli:main"' in scripts
    for values in ({}, {"watch": {"allNamespaces": True}},
                   {"watch": {"namespaces": ["a", "b"]}, "operator": {"verbose": True,
                                                                      "logFormat": "plain"}}):
        deployment = one(manifests(values), "Deployment")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert "command" not in container  # the image's ENTRYPOINT runs
        name, *args = container["args"]
        assert name in COMMANDS
        command = main.get_command(None, name)  # type: ignore[arg-type]
        context = command.make_context(name, list(args))  # raises UsageError on a bad flag
        params = context.params
        assert params["standalone"] is True
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert params["liveness"] == f"http://0.0.0.0:{ports['liveness']}/healthz"
        if values.get("watch", {}).get("allNamespaces"):
            assert params["clusterwide"] is True and params["namespaces"] == ()
        else:
            assert params["namespaces"]


def test_every_setting_the_chart_passes_is_read_by_the_operator() -> None:
    """No dead configuration: each BBB_MIGRATE_* variable set by the chart is read somewhere in
    the operator's code (an unread variable would silently do nothing)."""
    code = "\n".join(p.read_text(encoding="utf-8")
                     for p in (REPO / "operator" / "bbb_migrate").rglob("*.py"))
    deployment = one(manifests({"sharedVolume": {"enabled": True, "existingClaim": "c"}}),
                     "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    names = [e["name"] for e in container["env"] if e["name"].startswith("BBB_MIGRATE_")]
    assert names
    unread = [n for n in names if f'"{n}"' not in code]
    assert unread == [], f"the chart sets {unread} but the operator never reads them"


def test_recorder_image_default_is_the_crd_default() -> None:
    """spec.recorder.image defaults (CRD and CLI) to the chart's recorder image at appVersion."""
    image = _chart_values()["recorder"]["image"]
    tag = image["tag"] or str(_chart_meta()["appVersion"])
    assert RecorderSettings().image == f"{image['repository']}:{tag}"


def test_recorder_image_runs_as_the_job_user() -> None:
    from bbb_migrate.kube import jobs

    if not RECORDER_DOCKERFILE.exists():
        pytest.skip("recorder-image/Dockerfile not written yet")
    stage = final_stage(RECORDER_DOCKERFILE)
    user = [a for k, a in stage if k == "USER"]
    assert user, "the recorder image must not run as root"
    assert int(user[-1].partition(":")[0]) == jobs.RECORDER_UID


def test_operator_pod_is_the_only_one_with_an_api_token() -> None:
    objects = manifests()
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is True
    for account in by_kind(objects, "ServiceAccount"):
        if account["metadata"]["labels"]["app.kubernetes.io/component"] == "recorder":
            assert account["automountServiceAccountToken"] is False


def test_operator_image_build_context_is_enough_to_build_the_package(tmp_path: Path) -> None:
    """Replay the build stage's COPY lines (through the .dockerignore filter) into an empty
    folder and build the package wheel from it, as `pip wheel .` does in the image: a file the
    build needs but the Dockerfile forgets (README.md, say) fails here instead of in CI."""
    import fnmatch
    import shutil
    import subprocess
    import sys

    ignore = [line.strip() for line in (OPERATOR_DOCKERFILE.parent / "Dockerfile.dockerignore")
              .read_text(encoding="utf-8").splitlines() if line.strip()
              and not line.startswith("#")]

    def sent(relative: str) -> bool:  # Docker's rule: the last matching pattern wins
        keep = True
        for pattern in ignore:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if (fnmatch.fnmatch(relative, bare) or fnmatch.fnmatch(relative, bare + "/*")
                    or relative.startswith(bare + "/")):
                keep = negated
        return keep

    build = instructions(OPERATOR_DOCKERFILE)
    stage = build[:max(i for i, (k, _) in enumerate(build) if k == "FROM")]
    work = tmp_path / "src"
    work.mkdir()
    for keyword, argument in stage:
        if keyword != "COPY" or "--from" in argument:
            continue
        *sources, target = argument.split()
        for source in sources:
            assert sent(source), f"{source} is excluded by Dockerfile.dockerignore"
            origin = REPO / source
            destination = work / (target if target not in ("./", ".") else source)
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns(
                    "__pycache__", "*.egg-info"))
            else:
                shutil.copy(origin, work / source if target.endswith("/") else destination)
    # setuptools reads pyproject.toml as the image's `pip wheel .` does: the readme file and the
    # package folders must be in the copied context (building the wheel itself needs the
    # `wheel` package, which the image's isolated build fetches but this machine may lack).
    script = (
        "import json, setuptools\n"
        "from setuptools.dist import Distribution\n"
        "from setuptools.config.pyprojecttoml import apply_configuration\n"
        "dist = apply_configuration(Distribution(), 'pyproject.toml')\n"
        "print(json.dumps({'scripts': dist.entry_points['console_scripts'],"
        " 'readme': dist.get_long_description(),"
        " 'packages': setuptools.find_packages(where='operator')}))\n")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", script], cwd=work,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scripts"] == ["bbb-migrate = bbb_migrate.cli:main"]
    assert result["readme"].strip(), "README.md (the package description) is not in the context"
    assert {"bbb_migrate", "bbb_migrate.kube", "bbb_migrate.cli"} <= set(result["packages"])


def _pyproject() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _installs(dockerfile: Path) -> str:
    return " ".join(a for k, a in instructions(dockerfile) if k == "RUN" and "pip" in a)


def test_each_image_installs_only_its_own_extra() -> None:
    """The operator image carries no browser driver, the recorder image no Kubernetes client."""
    project = _pyproject()["project"]
    base = " ".join(project["dependencies"]).lower()
    extras = project["optional-dependencies"]
    for name in ("kopf", "kubernetes", "prometheus-client", "playwright"):
        assert name not in base, f"{name} must be in an extra, not a base dependency"
    assert {d.split(">")[0] for d in extras["operator"]} == {
        "kopf", "kubernetes", "prometheus-client"}
    assert [d.split(">")[0] for d in extras["recorder"]] == ["playwright"]
    operator = _installs(OPERATOR_DOCKERFILE)
    assert "[operator]" in operator and "[recorder]" not in operator
    recorder = _installs(RECORDER_DOCKERFILE)
    assert "[recorder]" in recorder and "[operator]" not in recorder
    assert not any(d.startswith("looptime") for d in extras["test"])  # declared, never used
