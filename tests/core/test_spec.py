"""The migration spec: what users write, and the errors they get for mistakes."""

import textwrap

import pytest

from bbb_migrate.credentials import SecretError, SecretRef, resolve
from bbb_migrate.spec import Mode, SpecError, load_spec, parse_spec

MINIMAL = {"source": {"url": "https://bbb.example.org/bigbluebutton/",
                      "secretRef": {"env": "BBB_SECRET"}},
           "mode": "claim"}


def test_minimal_spec_gets_defaults():
    spec = parse_spec(MINIMAL)
    assert spec.mode is Mode.CLAIM
    assert spec.source.checksum == "sha256"
    assert spec.source.states == ["published", "unpublished"]
    assert spec.selection.first == 1 and spec.selection.last is None
    assert spec.recorder.width == 1280 and spec.recorder.fps == 25
    assert not spec.source.rewrite_playback_20_to_23


def test_whole_manifest_is_accepted(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent("""
        apiVersion: bbb-migrate.esup-portail.org/v1alpha1
        kind: BBBMigration
        metadata: {name: m1}
        spec:
          source:
            url: https://bbb.example.org/
            secretRef: {secretKeyRef: {name: bbb, key: secret}}
          mode: export-csv
          selection: {first: 2, last: 5}
    """))
    spec = load_spec(path)
    assert spec.mode is Mode.EXPORT_CSV and spec.selection.last == 5


@pytest.mark.parametrize(("patch", "field"), [
    ({"sourse": {}}, "sourse"),
    ({"mode": "copy"}, "mode"),
    ({"selection": {"frist": 1}}, "selection.frist"),
    ({"selection": {"first": 0}}, "selection.first"),
    ({"recorder": {"fps": "fast"}}, "recorder.fps"),
    ({"source": {**MINIMAL["source"], "checksum": "md5"}}, "source.checksum"),
    ({"source": {**MINIMAL["source"], "secret": "inline!"}}, "source.secret"),
    ({"source": {"url": "ftp://x", "secretRef": {"env": "X"}}}, "source.url"),
])
def test_errors_name_the_field(patch, field):
    with pytest.raises(SpecError) as err:
        parse_spec({**MINIMAL, **patch})
    assert f"  {field}" in str(err.value)


def test_window_must_be_ordered():
    with pytest.raises(SpecError, match=r"last \(3\) is before first \(5\)"):
        parse_spec({**MINIMAL, "selection": {"first": 5, "last": 3}})


def test_import_video_needs_pod_database_unless_dry_run():
    data = {**MINIMAL, "mode": "import-video"}
    with pytest.raises(SpecError, match=r"pod\.database"):
        parse_spec(data)
    assert parse_spec({**data, "dryRun": True}).dry_run


def test_secret_ref_needs_exactly_one_source():
    with pytest.raises(SpecError, match="exactly one"):
        parse_spec({**MINIMAL, "source": {"url": "https://x/",
                                          "secretRef": {"env": "A", "file": "/b"}}})


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)


def test_secret_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("BBB_TEST_SECRET", "s3cret")
    assert resolve(SecretRef(env="BBB_TEST_SECRET")) == "s3cret"
    file = tmp_path / "secret"
    file.write_text("from-file\n")
    assert resolve(SecretRef(file=str(file))) == "from-file"
    monkeypatch.delenv("BBB_TEST_SECRET")
    with pytest.raises(SecretError, match="environment variable BBB_TEST_SECRET is not set"):
        resolve(SecretRef(env="BBB_TEST_SECRET"))
    kube = SecretRef.model_validate({"secretKeyRef": {"name": "bbb", "key": "secret"}})
    with pytest.raises(SecretError, match="Secret bbb key secret can only be read by the operator"):
        resolve(kube)
    assert resolve(kube, kube_reader=lambda sel: f"{sel.name}/{sel.key}") == "bbb/secret"
