"""The getRecordings client against the simulator over real HTTP."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from simhelpers import SECRET, client

from bbb_migrate.source import BBBClient, BBBError, api_base, shards
from bbb_migrate.source.checksum import ALGORITHMS, sign, strip_checksum, verify


def _ids(recordings):
    return sorted(r.record_id for r in recordings)


def _expected(sim, states=("published", "unpublished")):
    return sorted(r.record_id for r in sim.recordings if "any" in states or r.state in states)


# -- checksums ----------------------------------------------------------------------------------

def test_checksum_matches_the_docs_worked_example():
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
    assert sign("create", query, secret, "sha1") == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"


def test_strip_checksum_keeps_the_rest_byte_for_byte():
    assert strip_checksum("a=1&checksum=abc&b=%2C") == ("a=1&b=%2C", "abc")
    assert strip_checksum("checksum=abc") == ("", "abc")
    assert strip_checksum("a=1") == ("a=1", None)
    assert verify("getRecordings", "", sign("getRecordings", "", "s", "sha512"), "s",
                  ("sha512",))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_checksum_algorithm_is_accepted(sim, algorithm):
    c = client(sim, checksum=algorithm)
    assert _ids(c.list_recordings()) == _expected(sim)


def test_wrong_secret_is_rejected_with_a_clear_error(sim):
    c = client(sim, secret="not-the-secret")
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    err = info.value
    assert err.message_key == "checksumError"
    assert err.server == sim.api_url.split("/")[2]
    assert not err.retryable
    assert c.requests_made == 1  # never retried
    text = str(err)
    assert "checksumError" in text and err.server in text
    assert "not-the-secret" not in text and "checksum=" not in text


def test_algorithm_not_allowed_by_the_server(make_sim):
    sim = make_sim(catalogue_size=3, checksums=("sha512",))
    with pytest.raises(BBBError, match="checksumError"):
        client(sim, checksum="sha256").list_recordings()
    assert len(client(sim, checksum="sha512").list_recordings()) > 0


def test_scalelite_refuses_sha384_but_takes_sha512(make_sim):
    sim = make_sim(catalogue_size=5, scalelite=True)
    with pytest.raises(BBBError, match="checksumError") as info:
        client(sim, checksum="sha384").list_recordings()
    assert "security check" in info.value.message  # Scalelite's own text
    assert _ids(client(sim, checksum="sha512").list_recordings()) == _expected(sim)


def test_api_url_forms():
    assert api_base("https://bbb.example.org/bigbluebutton/") == \
        "https://bbb.example.org/bigbluebutton/api/"
    assert api_base("https://bbb.example.org") == "https://bbb.example.org/bigbluebutton/api/"
    assert api_base("https://bbb.example.org/bigbluebutton/api") == \
        "https://bbb.example.org/bigbluebutton/api/"
    with pytest.raises(ValueError, match="http"):
        api_base("bbb.example.org")


def test_repr_never_shows_the_secret(sim):
    assert SECRET not in repr(client(sim))


# -- paging -------------------------------------------------------------------------------------

@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_paging_auto_reads_a_26_server_by_record_id_prefixes(make_sim, monkeypatch, concurrency):
    """The first page announces the count; then unpaged recordID prefix requests read every
    recording once with all its formats (no second pass); each adds to the progress."""
    monkeypatch.setattr(shards, "SHARD_SIZE", 100)  # 238 recordings: 3 prefix requests
    sim = make_sim(catalogue_size=250)
    c = client(sim, page_size=100, concurrency=concurrency)
    seen = []
    recordings = c.list_recordings(progress=lambda done, total: seen.append((done, total)))
    assert _ids(recordings) == _expected(sim)
    assert len(recordings) == len({r.record_id for r in recordings})
    assert c.paged and c.sharded
    total = len(_expected(sim))
    assert [t for _, t in seen] == [total] * 3 and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert c.requests_made == 1 + 3
    assert c.warnings == []


@pytest.mark.parametrize("concurrency", [1, 2])
def test_paging_auto_walks_the_pages_when_record_id_is_no_prefix(make_sim, concurrency):
    """A 2.6+ server whose recordID filter matches whole IDs only: the prefix requests list
    nothing, so the pages are walked, then the hidden formats re-read by recordID batches."""
    sim = make_sim(catalogue_size=250, record_id_prefix=False)
    c = client(sim, page_size=100, concurrency=concurrency)
    seen = []
    recordings = c.list_recordings(progress=lambda done, total: seen.append((done, total)))
    assert _ids(recordings) == _expected(sim)
    assert c.paged and not c.sharded
    total = len(_expected(sim))
    assert seen[:4] == [(0, total), (100, total), (200, total), (total, total)]  # prefix, pages
    # the formats pass: only recordings without a video shown (a hidden format cannot change
    # the action of one that shows its video)
    todo = sum(1 for r in recordings if not r.playbacks or r.playbacks[0].type != "video")
    assert 0 < todo < total
    assert seen[4:] == [(min(n, todo), todo) for n in range(100, todo + 100, 100)]
    prefix, pages, batches = 1, 3, -(-todo // 100)
    assert c.requests_made == prefix + pages + batches
    assert any(len(r.playbacks) > 1 for r in recordings)


def test_recordings_published_while_listing_are_read_too(make_sim, monkeypatch):
    """Published between two prefix requests: the count no longer adds up, so the pages are
    walked, past the announced count while they stay full."""
    from bbb_migrate.simulator.api import Index
    from bbb_migrate.simulator.catalogue import generate

    monkeypatch.setattr(shards, "SHARD_SIZE", 100)
    sim = make_sim(catalogue_size=250)
    published = []

    def publish_more(done, total):
        if not published:  # after the first prefix request, 150 more appear at the end
            published.append(True)
            sim.server.recordings = sim.server.recordings + generate(150, seed=99)
            sim.server.index = Index(sim.server.recordings)

    c = client(sim, concurrency=1)
    listed = c.list_recordings(progress=publish_more)
    assert _ids(listed) == _expected(sim)
    assert len(listed) > 300 and not c.sharded


def test_paging_auto_on_an_old_server_makes_one_request(make_sim):
    sim = make_sim(catalogue_size=250, paging=False)
    c = client(sim)
    assert _ids(c.list_recordings()) == _expected(sim)
    assert not c.paged and c.requests_made == 1


def test_paging_on_against_a_server_without_paging_is_an_error(make_sim):
    sim = make_sim(catalogue_size=150, paging=False)
    with pytest.raises(BBBError) as info:
        client(sim, paging="on").list_recordings()
    assert info.value.message_key == "pagingUnsupported"


def test_paging_off_makes_one_request(sim):
    c = client(sim, paging="off")
    assert _ids(c.list_recordings()) == _expected(sim)
    assert c.requests_made == 1


def test_fetch_all_refused_without_paging_warns_and_paging_gets_through(make_sim):
    sim = make_sim(catalogue_size=30, allow_fetch_all=False)
    c = client(sim, paging="off")
    assert c.list_recordings() == []
    assert any("allowFetchAllRecordings" in w for w in c.warnings)
    assert _ids(client(sim).list_recordings()) == _expected(sim)


def test_formats_dropped_by_paged_replies_are_recovered(sim):
    both = {r.record_id: {p.type for p in r.playbacks} for r in sim.recordings
            if len(r.playbacks) > 1 and r.state in ("published", "unpublished")}
    assert both, "the catalogue must hold recordings with several formats"
    listed = {r.record_id: {p.type for p in r.playbacks} for r in client(sim).list_recordings()}
    for rid, types in both.items():
        assert listed[rid] == types


def test_no_format_pass_when_pages_already_show_several_formats(make_sim):
    sim = make_sim(catalogue_size=250, paging_drops_formats=False)
    c = client(sim)
    assert _ids(c.list_recordings()) == _expected(sim)
    assert c.requests_made == 3


def test_unmerged_formats_are_merged_by_record_id(make_sim):
    sim = make_sim(catalogue_size=120, merge_formats=False, paging=False)
    recordings = client(sim).list_recordings(states=["any"])
    assert _ids(recordings) == _expected(sim, ("any",))
    by_id = {r.record_id: r for r in recordings}
    for rec in sim.recordings:
        assert [p.type for p in by_id[rec.record_id].playbacks] == [p.type for p in rec.playbacks]


# -- filters ------------------------------------------------------------------------------------

def test_state_filter(sim):
    assert _ids(client(sim).list_recordings(states=["any"])) == _expected(sim, ("any",))
    assert _ids(client(sim).list_recordings(states=["unpublished"])) == \
        _expected(sim, ("unpublished",))


def test_meta_filters_with_bbb_web_wildcards(sim):
    c = client(sim)
    exact = c.list_recordings(meta={"bbb-origin-server-name": "cours.univ-exemple.fr"})
    assert exact and {r.origin_server_name for r in exact} == {"cours.univ-exemple.fr"}
    wildcard = c.list_recordings(meta={"bbb-origin-server-name": "%univ-exemple.fr"})
    assert {r.origin_server_name for r in wildcard} == {
        "moodle.univ-exemple.fr", "cours.univ-exemple.fr", "moodle-archive.univ-exemple.fr"}


def test_get_recording_and_meeting_prefix(sim):
    target = sim.recordings[7]
    c = client(sim)
    got = c.get_recording(target.record_id)
    assert got is not None and got.record_id == target.record_id
    assert [p.type for p in got.playbacks] == [p.type for p in target.playbacks]
    assert c.get_recording("0" * 40 + "-1") is None
    same_meeting = c.list_recordings(states=["any"], record_ids=[target.record_id[:40]])
    assert target.record_id in _ids(same_meeting)
    assert {r.meeting_id for r in same_meeting} == {target.meeting_id}


# -- recordings and reply shapes ----------------------------------------------------------------

def test_recording_fields_round_trip(sim):
    listed = {r.record_id: r for r in client(sim).list_recordings(states=["any"])}
    for original in sim.recordings:
        got = listed[original.record_id]
        assert got.meeting_id == original.meeting_id
        assert got.name == original.name  # accents, quotes, emoji, "]]>" in CDATA
        assert got.start_time == original.start_time and got.start_time.tzinfo is UTC
        assert got.end_time == original.end_time
        assert got.state == original.state and got.published == original.published
        assert got.participants == original.participants
        assert got.raw_size == original.raw_size
        assert got.metadata == original.metadata
        assert [(p.type, p.length_minutes, p.size, p.processing_time_ms, len(p.previews))
                for p in got.playbacks] == \
            [(p.type, p.length_minutes, p.size, p.processing_time_ms, len(p.previews))
             for p in original.playbacks]
        for p in got.playbacks:
            assert p.url.startswith(sim.base_url + "/")


@pytest.mark.parametrize("shape", ["A", "B", "C", "D"])
def test_each_no_recordings_shape_is_an_empty_listing(make_sim, shape):
    sim = make_sim(catalogue_size=5)
    sim.config.faults.empty_shape = shape
    for paging in ("auto", "off"):
        assert client(sim, paging=paging).list_recordings() == []


def test_scalelite_order_and_stripped_metadata(make_sim):
    sim = make_sim(catalogue_size=40, scalelite=True)
    c = client(sim)
    recordings = list(c.iter_recordings())
    assert c.requests_made == 1 and not c.paged
    starts = [r.start_time for r in recordings]
    assert starts == sorted(starts, reverse=True)
    assert all("meetingName" not in r.metadata for r in recordings)
    assert all(r.name for r in recordings)


SPARSE = """<?xml version="1.0"?>
<response>
  <returncode>SUCCESS</returncode>
  <recordings>
    <recording>
      <recordID>
        abc-1700000000000
      </recordID>
      <meetingID><![CDATA[  m-1  ]]></meetingID>
      <name><![CDATA[
          Réunion « test » 🎓 ]]></name>
      <published>false</published>
      <startTime>1700000000000</startTime>
      <metadata>
        <bbb-origin-server-name><![CDATA[ moodle.example.org ]]></bbb-origin-server-name>
        <Empty/>
      </metadata>
      <playback>
        <format><type>notes</type><url>https://bbb.example.org/notes/abc/notes.html</url><length>3</length></format>
        <format><type>screenshare</type><url>https://bbb.example.org/screenshare/abc/</url></format>
      </playback>
    </recording>
    <recording><recordID>def-1600000000000</recordID><meetingID>m-2</meetingID><name>x</name>
      <startTime>1600000000000</startTime><endTime>1600000060000</endTime><state>published</state>
    </recording>
  </recordings>
</response>
"""


def test_optional_elements_missing_cdata_whitespace_and_other_formats(make_sim):
    sim = make_sim()
    sim.config.faults.raw_reply = SPARSE
    recordings = {r.record_id: r for r in client(sim, paging="off").list_recordings()}
    first = recordings["abc-1700000000000"]
    assert first.meeting_id == "m-1"
    assert first.name == "Réunion « test » 🎓"
    assert first.published is False and first.state == ""
    assert first.start_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert first.end_time is None and first.participants is None
    assert first.origin_server_name == "moodle.example.org"
    assert first.metadata["Empty"] == ""
    assert [p.type for p in first.playbacks] == ["notes", "screenshare"]
    second = recordings["def-1600000000000"]
    assert second.playbacks == () and second.published is True
    assert second.duration_seconds == 60


def test_malformed_recording_is_skipped_with_a_warning(make_sim, caplog):
    sim = make_sim(catalogue_size=20)
    sim.config.faults.malformed_recording = True
    c = client(sim)
    with caplog.at_level(logging.WARNING, logger="bbb_migrate"):
        recordings = c.list_recordings()
    assert _ids(recordings) == _expected(sim)
    assert len(c.warnings) == 1 and "recording skipped" in c.warnings[0]
    assert "broken-0000000000000" in c.warnings[0] and "startTime" in c.warnings[0]
    assert "recording skipped" in caplog.text


def test_out_of_range_values_skip_one_recording_not_the_listing(make_sim):
    # A start time beyond datetime's range (or "inf" sizes) must not abort the whole listing.
    def rec(rid: str, start: str, participants: str = "3") -> str:
        return (f"<recording><recordID>{rid}</recordID><meetingID>m</meetingID>"
                f"<startTime>{start}</startTime><participants>{participants}</participants>"
                "</recording>")

    sim = make_sim()
    sim.config.faults.raw_reply = (
        "<response><returncode>SUCCESS</returncode><recordings>"
        + rec("huge", "9" * 30) + rec("negative", "-99999999999999999")
        + rec("ok", "1700000000000", participants="inf")
        + "</recordings></response>")
    c = client(sim, paging="off")
    recordings = c.list_recordings()
    assert [r.record_id for r in recordings] == ["ok"]
    assert recordings[0].participants is None
    assert len(c.warnings) == 2
    assert "out of range" in c.warnings[0] and "before 1970" in c.warnings[1]


def test_failed_reply_names_server_and_message_key(make_sim):
    sim = make_sim()
    sim.config.faults.raw_reply = (
        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
        "<message>We could not find recordings</message></response>")
    with pytest.raises(BBBError) as info:
        client(sim).list_recordings()
    assert info.value.message_key == "notFound"
    assert info.value.server in str(info.value)
    assert "We could not find recordings" in str(info.value)


def test_unexpected_error_is_retried_then_reported(make_sim):
    sim = make_sim()
    sim.config.faults.raw_reply = (
        "<response><returncode>FAILED</returncode><messageKey>unexpectedError</messageKey>"
        "<message>An unexpected error occurred while constructing the response.</message>"
        "</response>")
    c = client(sim, retries=2)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert info.value.message_key == "unexpectedError" and info.value.retryable
    assert c.requests_made == 3


def test_html_instead_of_xml_is_a_clear_error(make_sim):
    sim = make_sim()
    sim.config.faults.raw_reply = "<html><body>Login</body></html>"
    with pytest.raises(BBBError, match="not a getRecordings") as info:
        client(sim).list_recordings()
    assert info.value.message_key == "invalidXML"


# -- XML bombs ----------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<response><returncode>SUCCESS</returncode><recordings><recording><recordID>x</recordID>
<meetingID>m</meetingID><name>&lol9;</name><startTime>1</startTime></recording></recordings>
</response>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<response><returncode>SUCCESS</returncode><recordings><recording><recordID>x</recordID>
<meetingID>m</meetingID><name>&xxe;</name><startTime>1</startTime></recording></recordings>
</response>"""

DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE response SYSTEM "http://127.0.0.1:9/evil.dtd">
<response><returncode>SUCCESS</returncode><recordings/></response>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_xml_bombs_are_refused(make_sim, body):
    sim = make_sim()
    sim.config.faults.raw_reply = body
    c = client(sim, retries=3)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert info.value.message_key == "unsafeXML"
    assert not info.value.retryable and c.requests_made == 1


# -- faults, retries, timeouts ------------------------------------------------------------------

def test_transient_500s_are_retried(sim):
    sim.config.faults.http_500 = 2
    c = client(sim, retries=3)
    assert _ids(c.list_recordings()) == _expected(sim)
    assert sim.config.faults.http_500 == 0


def test_persistent_500s_give_a_clear_error(sim):
    sim.config.faults.http_500 = 10
    c = client(sim, retries=2)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert info.value.message_key == "http500" and info.value.retryable
    assert c.requests_made == 3


def test_truncated_reply_is_retried_then_reported(sim):
    sim.config.faults.truncate = 1
    assert _ids(client(sim, retries=1).list_recordings()) == _expected(sim)
    sim.config.faults.truncate = 1
    with pytest.raises(BBBError) as info:
        client(sim, retries=0, paging="off").list_recordings()
    assert info.value.message_key == "invalidXML" and info.value.retryable


def test_slow_server_times_out(make_sim):
    sim = make_sim(catalogue_size=3)
    sim.config.faults.delay_seconds = 1.0
    c = client(sim, timeout=0.2, retries=1)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert info.value.message_key == "timeout" and c.requests_made == 2
    sim.config.faults.delay_seconds = 0.3
    assert len(client(sim, timeout=2).list_recordings()) == len(_expected(sim))


def test_forced_checksum_error_is_not_retried(sim):
    sim.config.faults.checksum_error = 1
    c = client(sim, retries=3)
    with pytest.raises(BBBError, match="checksumError"):
        c.list_recordings()
    assert c.requests_made == 1


def test_connection_refused(make_sim):
    sim = make_sim()
    url = sim.api_url
    sim.stop()
    c = BBBClient(url, SECRET, retries=1, backoff_seconds=0.01, timeout=2)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert info.value.message_key == "connectionError" and "checksum" not in str(info.value)


def _failure(url: str) -> BBBError:
    c = BBBClient(url, SECRET, retries=0, backoff_seconds=0.01, timeout=5)
    with pytest.raises(BBBError) as info:
        c.list_recordings()
    assert "checksum=" not in str(info.value) and SECRET not in str(info.value)
    return info.value


def test_unreachable_server_errors_name_the_cause(make_sim):
    sim = make_sim()
    port = sim.api_url.split(":")[2].split("/")[0]
    http_url = sim.api_url
    # TLS: an https:// URL on a plain-http server
    tls = _failure(http_url.replace("http://", "https://"))
    assert tls.message_key == "connectionError" and "TLS handshake failed" in tls.message
    # DNS: a name that cannot resolve (.invalid is reserved for that)
    dns = _failure(f"http://bbb.example.invalid:{port}/bigbluebutton/")
    assert dns.message_key == "connectionError" and dns.message.startswith("DNS:")
    # 404: the wrong path is suggested before a proxy timeout
    wrong = _failure(http_url.replace("/bigbluebutton/", "/no-such-path/"))
    assert wrong.message_key == "http404" and wrong.message.index("wrong URL path") < \
        wrong.message.index("proxy")
    sim.stop()
    refused = _failure(http_url)
    assert refused.message_key == "connectionError"
    assert refused.message.startswith("connection refused")
