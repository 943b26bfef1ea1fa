"""The simulator's API as raw HTTP: what real servers do, checked byte for byte."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from simhelpers import SECRET

from bbb_migrate.source.checksum import sign
from bbb_migrate.source.xmlparse import parse_reply
from bbb_migrate.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "local"


def get(sim, params, algorithm="sha256", secret=SECRET, call="getRecordings"):
    query = urlencode(params)
    checksum = sign(call, query, secret, algorithm)
    url = f"{sim.base_url}/bigbluebutton/api/{call}?{query}{'&' if query else ''}" \
          f"checksum={checksum}"
    resp = requests.get(url, timeout=10)
    return resp, parse_reply(io.BytesIO(resp.content), "sim")


def test_limit_is_clamped_to_1_100_and_bad_values_disable_paging(sim):
    total = sum(r.state in ("published", "unpublished") for r in sim.recordings)
    _, reply = get(sim, {"limit": "500"})
    assert len(reply.recordings) == 100 and reply.total_elements == total
    _, reply = get(sim, {"limit": "0", "offset": "-5"})
    assert len(reply.recordings) == 1
    _, reply = get(sim, {"limit": "many"})
    assert len(reply.recordings) == total and reply.total_elements is None
    _, reply = get(sim, {"limit": "100", "offset": str(total)})  # past the end: shape A
    assert reply.recordings == [] and reply.message_key == "noRecordings"
    assert reply.has_recordings_element and reply.total_elements == total


def test_checksum_covers_the_query_exactly_as_sent(sim):
    query = urlencode({"state": "any"})
    checksum = sign("getRecordings", query, SECRET)
    reordered = f"{sim.base_url}/bigbluebutton/api/getRecordings?checksum={checksum}&{query}"
    ok = requests.get(reordered, timeout=10)  # checksum first: bbb-web strips it as text
    assert parse_reply(io.BytesIO(ok.content), "sim").returncode == "SUCCESS"
    tampered = f"{sim.base_url}/bigbluebutton/api/getRecordings?state=published&" \
               f"checksum={checksum}"
    bad = parse_reply(io.BytesIO(requests.get(tampered, timeout=10).content), "sim")
    assert (bad.returncode, bad.message_key) == ("FAILED", "checksumError")
    missing = requests.get(f"{sim.base_url}/bigbluebutton/api/getRecordings", timeout=10)
    assert parse_reply(io.BytesIO(missing.content), "sim").message_key == "checksumError"


def test_api_root_and_unknown_paths(sim):
    root = requests.get(sim.base_url + "/bigbluebutton/api", timeout=10)
    assert root.status_code == 200 and b"<returncode>SUCCESS</returncode>" in root.content
    assert requests.get(sim.base_url + "/nothing-here", timeout=10).status_code == 404


def test_scalelite_meta_filters_are_or_in_lists(make_sim):
    sim = make_sim(catalogue_size=80, scalelite=True)
    _, reply = get(sim, {"meta_bbb-origin-server-name":
                         "cours.univ-exemple.fr,elearning.iut-exemple.fr",
                         "meta_bbb-context-label": "MATH-L1"})
    servers = {r.origin_server_name for r in reply.recordings}
    labels = {r.metadata["bbb-context-label"] for r in reply.recordings}
    assert reply.recordings
    assert all(r.origin_server_name in ("cours.univ-exemple.fr", "elearning.iut-exemple.fr")
               or r.metadata["bbb-context-label"] == "MATH-L1" for r in reply.recordings)
    assert len(servers) > 1 or len(labels) > 1
    _, reply = get(sim, {"limit": "5"})
    assert reply.total_elements is None and len(reply.recordings) > 5  # no paging


def test_generated_catalogue_is_deterministic_and_varied(make_sim):
    a = make_sim(catalogue_size=300, seed=5).recordings
    b = make_sim(catalogue_size=300, seed=5).recordings
    assert [r.record_id for r in a] == [r.record_id for r in b]
    assert {p.type for r in a for p in r.playbacks} == {"presentation", "video", "podcast",
                                                        "notes"}
    assert len({r.origin_server_name for r in a}) >= 3
    assert any("🇬🇧" in r.name or "🐍" in r.name for r in a)
    assert any('"' in r.name for r in a) and any("'" in r.name for r in a)
    assert {r.state for r in a} >= {"published", "unpublished", "processing", "deleted"}


@pytest.mark.parametrize("name", ["claim", "import-video", "export-csv"])
def test_example_specs_are_valid(name):
    spec = load_spec(EXAMPLES / f"{name}.yaml")
    assert spec.mode.value == name
