"""Issue 11: hostile and broken servers, over real HTTP on loopback, each bounded in time.

Never miss or mix up a recording: complete listings (or an error), bounded memory (measured in
a child process) and time, one bad recording never failing the others, no password printed,
the exit codes the README promises.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import subprocess
import sys
import time
import zlib

import pytest
from click.testing import CliRunner
from hostile import (
    HEAD,
    OPERATOR,
    PEAK_LINE,
    HostileServer,
    endless,
    list_in_child,
    ok,
    recording,
    reply,
)
from simhelpers import SECRET

from bbb_migrate.cli import main
from bbb_migrate.source import BBBClient, BBBError

PEAK_MB = 300  # the issue's bound for listing any reply


def client(url: str, **kwargs) -> BBBClient:
    kwargs.setdefault("backoff_seconds", 0.01)
    kwargs.setdefault("timeout", 5)
    kwargs.setdefault("request_timeout", 10)
    return BBBClient(url, "s", **kwargs)


def pages(records: list[bytes], *, total=None, page_size: int = 100):
    """An answer walking ``records`` by offset/limit, announcing ``total`` (None: no count)."""
    def answer(query):
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10**9))
        count = total(offset) if callable(total) else total
        return ok(reply(records[offset:offset + min(limit, page_size)], count))
    return answer


# -- 1. complete listings ------------------------------------------------------------------------

def test_bbblb_pages_without_total_are_all_listed_with_the_simulator(make_sim, monkeypatch):
    """A server that honours limit but sends no totalElements (bbblb, pages of 100): the 106
    recordings are listed by `plan --paging auto`, not the first 100."""
    sim = make_sim(catalogue_size=111, total_elements=False, paging_drops_formats=False)
    expected = [r for r in sim.recordings if r.state in ("published", "unpublished")]
    assert len(expected) == 106  # the catalogue's seed gives 106 listed of 111
    monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
    result = CliRunner().invoke(main, ["plan", "--source-url", sim.api_url, "--secret-env",
                                       "BBB_TEST_SECRET", "--paging", "auto", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 106
    assert "106 recordings listed" in result.stderr


def test_a_full_page_always_leads_to_the_next_one():
    records = [recording(f"r{n:04d}") for n in range(250)]
    with HostileServer(pages(records, total=None)) as server:
        c = client(server.url)
        assert len(c.list_recordings()) == 250
    assert [q.get("offset") for q in server.requests] == ["0", "100", "200"]


def test_a_count_lower_than_the_pages_does_not_cut_the_listing():
    records = [recording(f"r{n:04d}") for n in range(230)]
    with HostileServer(pages(records, total=100)) as server:
        assert len(client(server.url).list_recordings()) == 230


def test_a_huge_count_with_empty_pages_stops_at_the_first_empty_page():
    """totalElements 10^8 then empty pages: one empty page ends it, with a warning."""
    records = [recording(f"r{n:04d}") for n in range(100)]
    with HostileServer(pages(records, total=10**8)) as server:
        c = client(server.url, concurrency=2)
        started = time.monotonic()
        assert len(c.list_recordings()) == 100
        assert time.monotonic() - started < 10
    assert c.requests_made <= 4  # first page, the empty one, at most one in flight, formats
    assert any("count was wrong" in w and "100000000" in w for w in c.warnings)


def test_a_server_that_ignores_offset_but_honours_limit_is_an_error_not_a_cut():
    records = [recording(f"r{n:04d}") for n in range(300)]

    def answer(query):
        return ok(reply(records[:int(query.get("limit", 300))]))
    with HostileServer(answer) as server, pytest.raises(BBBError) as info:
        client(server.url).list_recordings()
    assert info.value.message_key == "pagingUnclear"


def test_an_unpaged_server_with_exactly_one_page_is_complete():
    records = [recording(f"r{n:04d}") for n in range(100)]
    with HostileServer(lambda query: ok(reply(records))) as server:
        assert len(client(server.url).list_recordings()) == 100


def _bbb26(rids: list[str], prefix_filter: str = "prefix", total: int | None = None):
    """A 2.6+ server: pages with totalElements; recordID matched by ``prefix_filter``: "prefix"
    (bbb-web), "whole" (whole IDs only), "ignored" (the first page again) or "refused" (FAILED
    for anything shorter than a whole ID)."""
    records = {rid: recording(rid) for rid in rids}
    paged = pages(list(records.values()), total=total or len(records))

    def answer(query):
        if "recordID" not in query or prefix_filter == "ignored":
            return paged(query)
        wanted = query["recordID"].split(",")
        if prefix_filter == "refused" and any(len(w) < 40 for w in wanted):
            return ok(b"<response><returncode>FAILED</returncode><messageKey>invalidRecordID"
                      b"</messageKey><message>no</message></response>")
        return ok(reply(b for rid, b in records.items() if any(
            rid.startswith(w) if prefix_filter != "whole" else rid == w for w in wanted)))
    return answer


def _bbb_ids(count: int) -> list[str]:
    return [f"{hashlib.sha1(str(n).encode()).hexdigest()}-{1700000000000 + n}"
            for n in range(count)]


def test_a_26_server_is_read_by_record_id_prefixes_once():
    rids = _bbb_ids(250)
    with HostileServer(_bbb26(rids)) as server:
        c = client(server.url)
        assert sorted(r.record_id for r in c.list_recordings()) == sorted(rids)
    assert c.sharded and c.requests_made == 2  # the first page, then one prefix request
    assert server.requests[1]["recordID"] == ",".join("0123456789abcdef")


@pytest.mark.parametrize("prefix_filter", ["whole", "ignored", "refused"])
def test_a_server_without_the_prefix_filter_is_walked_by_pages(prefix_filter):
    rids = _bbb_ids(250)
    with HostileServer(_bbb26(rids, prefix_filter)) as server:
        c = client(server.url)
        assert sorted(r.record_id for r in c.list_recordings()) == sorted(rids)
    assert not c.sharded and c.warnings == []


def test_a_record_id_outside_the_hex_prefixes_is_not_missed():
    """One recording of another ID form (not on the first page): the prefix requests count 249
    of 250 announced, so the pages are walked and it is listed."""
    rids = _bbb_ids(250)
    rids[150] = "imported-recording-1"
    with HostileServer(_bbb26(rids)) as server:
        c = client(server.url)
        assert sorted(r.record_id for r in c.list_recordings()) == sorted(rids)
    assert not c.sharded


def test_a_lying_count_with_bbb_ids_ends_in_the_page_walk_and_its_warning():
    """5,000 announced, 250 real: the prefix requests count 250, so the pages are walked, which
    stop at the first short page and say the count was wrong."""
    rids = _bbb_ids(250)
    with HostileServer(_bbb26(rids, total=5000)) as server:
        c = client(server.url)
        assert sorted(r.record_id for r in c.list_recordings()) == sorted(rids)
    assert not c.sharded and c.requests_made <= 1 + 5 + 3 + 3
    assert any("count was wrong" in w and "5000" in w for w in c.warnings)


# -- 2. memory ------------------------------------------------------------------------------------

def _huge_text(server_total: int):
    return lambda query: ok(endless(HEAD + b"<recordings><recording><recordID>big</recordID>"
                                    b"<name>", b"a", server_total))


def test_a_2_gb_text_node_is_refused_in_bounded_memory():
    with HostileServer(_huge_text(2 << 30)) as server:
        out = list_in_child(server.url)
    assert out["key"] == "replyTooLarge" and "MAX_TEXT_BYTES" in out["error"]
    assert "recording #1" in out["error"]
    assert out["peak_mb"] < PEAK_MB, out


def test_64_mb_of_empty_elements_are_refused_in_bounded_memory():
    """Inside a recording: refused at its size limit, naming it."""
    def answer(query):
        good = b"".join(recording(f"ok{n}") for n in range(3))
        return ok(endless(HEAD + b"<recordings>" + good + b"<recording><recordID>flood"
                          b"</recordID><metadata>", b"<x/>", 64 << 20,
                          b"</metadata></recording></recordings></response>"))
    with HostileServer(answer) as server:
        out = list_in_child(server.url)
    assert out["key"] == "recordingTooLarge", out
    assert "recording #4 (recordID flood)" in out["error"] and "MAX_RECORDING_BYTES" in out["error"]
    assert out["peak_mb"] < PEAK_MB, out


def test_empty_elements_outside_recordings_are_dropped_as_they_end():
    """Outside recordings nothing is kept: 2 MB of them cost no memory, the listing is whole."""
    def answer(query):
        good = b"".join(recording(f"ok{n}") for n in range(3))
        return ok(endless(HEAD + b"<recordings>" + good + b"</recordings>", b"<y/>", 2 << 20,
                          b"</response>"))
    with HostileServer(answer) as server:
        out = list_in_child(server.url)
    assert out["listed"] == 3 and out["peak_mb"] < PEAK_MB, out


def test_256_mb_of_valid_recordings_are_refused_in_bounded_memory():
    filler = "<note><![CDATA[" + "x" * 20_000 + "]]></note>"

    def answer(query):
        def records():
            yield HEAD + b"<recordings>"
            for n in range((256 << 20) // 21_000):
                yield recording(f"r{n:07d}", extra=filler)
            yield b"</recordings></response>"
        return ok(records())
    with HostileServer(answer) as server:
        out = list_in_child(server.url)
    assert out.get("key") in ("listingTooLarge", "replyTooLarge"), out
    assert "MAX_LISTING_MEMORY" in out["error"] or "MAX_REPLY_BYTES" in out["error"]
    assert out["peak_mb"] < PEAK_MB, out


def test_a_gzip_bomb_stops_at_the_reply_limit():
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    block = b" " * (1 << 20) + b"<x/>"  # 1 MiB, cheap to parse
    bomb = [packer.compress(HEAD + b"<recordings>")]
    bomb += [packer.compress(block) for _ in range(512)]
    bomb.append(packer.compress(b"</recordings></response>") + packer.flush())
    assert sum(map(len, bomb)) < 4 << 20  # a few MB on the wire, 512 MB decompressed
    with HostileServer(lambda query: ok(bomb, **{"Content-Encoding": "gzip"})) as server:
        out = list_in_child(server.url)
    assert out["key"] == "replyTooLarge" and "MAX_REPLY_BYTES" in out["error"], out
    assert out["peak_mb"] < PEAK_MB, out


def test_a_1_gb_metadata_xml_is_refused_by_the_recorder_in_bounded_memory():
    def answer(query):
        return ok(endless(b"<recording><playback><duration>", b"1", 1 << 30))
    with HostileServer(answer) as server:
        code = f"""
import json
from bbb_migrate.recorder.errors import RecorderError
from bbb_migrate.recorder.source import fetch_duration
try:
    fetch_duration({server.url + "presentation/x/metadata.xml"!r})
    out = {{"error": ""}}
except RecorderError as e:
    out = {{"error": str(e)}}
{PEAK_LINE}print(json.dumps(out))
"""
        out = list_in_child(server.url, code=code)
    assert "MAX_METADATA_XML_BYTES" in out["error"] and "/presentation/x/" in out["error"]
    assert out["peak_mb"] < PEAK_MB, out


@pytest.mark.slow
def test_a_real_50000_recording_reply_still_lists(make_sim):
    """The limits leave room for a large real server: 50,000 recordings (about 95 MB)."""
    sim = make_sim(catalogue_size=50_000)
    code = f"""
import json
from bbb_migrate.source import BBBClient
c = BBBClient({sim.api_url!r}, {SECRET!r}, paging="off", timeout=120, request_timeout=600)
out = {{"listed": len(c.list_recordings()), "warnings": c.warnings[:3]}}
{PEAK_LINE}print(json.dumps(out))
"""
    out = list_in_child(sim.api_url, code=code)
    assert out["listed"] == len([r for r in sim.recordings
                                 if r.state in ("published", "unpublished")])
    assert out["warnings"] == [] and out["peak_mb"] < PEAK_MB, out


# -- 3. time --------------------------------------------------------------------------------------

def test_a_server_sending_one_byte_every_few_seconds_meets_the_deadline():
    def answer(query):
        def trickle():
            for byte in HEAD:
                yield bytes([byte])
                yield 1.0
        return ok(trickle())
    with HostileServer(answer) as server:
        c = client(server.url, request_timeout=2, retries=1, timeout=60)
        started = time.monotonic()
        with pytest.raises(BBBError) as info:
            c.list_recordings()
        elapsed = time.monotonic() - started
    assert info.value.message_key == "timeout"
    assert "requestTimeoutSeconds" in str(info.value)
    assert elapsed < 8, elapsed  # two attempts of 2 s, not forever


def test_a_server_that_never_answers_fails_at_the_deadline():
    with HostileServer(lambda query: ok([60.0])) as server:
        c = client(server.url, request_timeout=1.5, retries=1, timeout=60)
        started = time.monotonic()
        with pytest.raises(BBBError) as info:
            c.list_recordings()
    assert info.value.message_key == "timeout" and time.monotonic() - started < 6


@pytest.mark.parametrize("body, key", [
    (HEAD + b"<recordings><recording></recordings></response>", "invalidXML"),
    (HEAD + b"<recordings>" + b"\xff\xfe" * 3000 + b"</recordings></response>", "invalidUTF8"),
])
def test_errors_that_cannot_change_are_not_retried(body, key):
    with HostileServer(lambda query: ok(body)) as server:
        c = client(server.url, retries=4)
        with pytest.raises(BBBError) as info:
            c.list_recordings()
    assert info.value.message_key == key and not info.value.retryable
    assert c.requests_made == 1


def test_a_reply_cut_short_is_still_retried():
    answers = iter([HEAD + b"<recordings><recording><recordID>a", reply([recording("a")])])
    with HostileServer(lambda query: ok(next(answers))) as server:
        c = client(server.url, retries=2)
        assert len(c.list_recordings()) == 1
    assert c.requests_made == 2


# -- 4. one bad recording --------------------------------------------------------------------------

def test_one_bad_recording_is_repaired_or_skipped_and_the_others_listed(caplog):
    bad_utf8 = recording("bad-utf8").replace(b"Cours", b"Cours \xc3\x28 \xff")
    control = recording("control").replace(b"Cours", b"Cours \x01\x1b &#1;")
    bad_id = recording("badXid").replace(b"badXid", b"bad\xffid")
    records = [recording("good-1"), bad_utf8, control, bad_id, recording("good-2")]
    with HostileServer(lambda query: ok(reply(records))) as server:
        c = client(server.url, paging="off")
        with caplog.at_level(logging.WARNING):
            listed = {r.record_id: r for r in c.list_recordings()}
    assert set(listed) == {"good-1", "bad-utf8", "control", "good-2"}
    assert listed["bad-utf8"].name == "Cours \ufffd( \ufffd"
    assert listed["control"].name == "Cours \ufffd\ufffd \ufffd"
    assert any("bad-utf8" in w and "U+FFFD" in w for w in c.warnings)
    assert any("control" in w and "U+FFFD" in w for w in c.warnings)
    assert any("recording #4" in w and "recordID" in w for w in c.warnings)
    assert "bad-utf8" in caplog.text


def test_negative_start_times_skip_the_recording():
    records = [recording("neg", start="-5"), recording("fine")]
    with HostileServer(lambda query: ok(reply(records))) as server:
        c = client(server.url, paging="off")
        assert [r.record_id for r in c.list_recordings()] == ["fine"]
    assert any("neg" in w and "before 1970" in w for w in c.warnings)


# -- 6. secrets in URLs ------------------------------------------------------------------------

def test_a_password_in_the_source_url_is_never_printed(caplog, monkeypatch, tmp_path):
    with HostileServer(lambda query: (500, {}, [b"down"])) as server:
        url = server.url.replace("http://", "http://admin:hunter2pw@")
        c = client(url, retries=1)
        with caplog.at_level(logging.WARNING), pytest.raises(BBBError) as info:
            c.list_recordings()
        assert "hunter2pw" not in str(info.value) and "hunter2pw" not in caplog.text
        assert "hunter2pw" not in repr(c) and "127.0.0.1" in str(info.value)
        monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
        result = CliRunner().invoke(main, ["plan", "--source-url", url, "--secret-env",
                                           "BBB_TEST_SECRET", "--json"])
        assert result.exit_code == 3 and "hunter2pw" not in result.output
        bad = CliRunner().invoke(main, ["plan", "--source-url", "ftp://u:hunter2pw@h/",
                                        "--secret-env", "BBB_TEST_SECRET"])
        assert bad.exit_code == 2 and "hunter2pw" not in bad.output
        spec = tmp_path / "m.yaml"
        spec.write_text(f"source: {{url: '{url}', secretRef: {{env: BBB_TEST_SECRET}}, "
                        "retries: 0}\nmode: claim\ndryRun: true\n"
                        f"output: {{directory: '{tmp_path / 'out'}'}}\n"
                        f"pod: {{claim: {{recorderPath: '{tmp_path}', recorderDirectory: rec}}}}\n")
        (tmp_path / "rec").mkdir()
        run = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
        assert "hunter2pw" not in run.output and "127.0.0.1" in run.output, run.output


# -- 7. exit codes ---------------------------------------------------------------------------------

def _plan_command(url: str) -> list[str]:
    return [sys.executable, "-m", "bbb_migrate.cli", "plan", "--source-url", url,
            "--secret-env", "BBB_TEST_SECRET", "--json"]


def test_plan_to_a_full_disk_or_a_closed_stdout_exits_4():
    records = [recording(f"r{n}") for n in range(50)]
    env = {"PYTHONPATH": OPERATOR, "BBB_TEST_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    with HostileServer(lambda query: ok(reply(records))) as server, \
            open("/dev/full", "w") as full:
        done = subprocess.run(_plan_command(server.url), stdout=full, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=60, check=False)
        assert done.returncode == 4, done.stderr
        assert "Traceback" not in done.stderr and "standard output" in done.stderr
        command = " ".join(f"'{a}'" for a in _plan_command(server.url)) + " >&-"
        closed = subprocess.run(["sh", "-c", command], stderr=subprocess.PIPE, text=True,
                                env=env, timeout=60, check=False)
        assert closed.returncode == 4, closed.stderr
        assert "Traceback" not in closed.stderr


def test_running_out_of_memory_while_listing_exits_3(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr("bbb_migrate.cli.plan.list_recordings", exhausted)
    monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
    result = CliRunner().invoke(main, ["plan", "--source-url", "http://127.0.0.1:9/",
                                       "--secret-env", "BBB_TEST_SECRET"])
    assert result.exit_code == 3 and "out of memory" in result.output


# -- 8. smaller ------------------------------------------------------------------------------------

def test_plan_skips_playback_urls_with_other_schemes_or_hosts(monkeypatch):
    records = [recording("js", url="javascript:alert(1)"),
               recording("file", url="file:///etc/passwd"),
               recording("elsewhere", url="https://evil.example.net/playback/x"),
               recording("fine")]
    monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
    with HostileServer(lambda query: ok(reply(records))) as server:
        result = CliRunner().invoke(main, ["plan", "--source-url", server.url, "--secret-env",
                                           "BBB_TEST_SECRET", "--json"])
    rows = {r["record_id"]: r for r in json.loads(result.stdout)}
    assert rows["fine"]["action"] == "render"
    for rid, why in (("js", "scheme 'javascript'"), ("file", "scheme 'file'"),
                     ("elsewhere", "another host (evil.example.net)")):
        assert rows[rid]["action"] == "skip" and why in rows[rid]["reason"], rows[rid]
        assert rows[rid]["source_url"] == ""


def test_the_table_view_shortens_very_long_names(monkeypatch):
    records = [recording("long", name="N" * 100_000)]
    monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
    with HostileServer(lambda query: ok(reply(records))) as server:
        result = CliRunner().invoke(main, ["plan", "--source-url", server.url, "--secret-env",
                                           "BBB_TEST_SECRET"])
    assert result.exit_code == 0
    assert 70 <= result.stdout.count("N") < 80 and "…" in result.stdout


def test_recorder_directory_dot_dot_is_refused():
    from bbb_migrate.spec import SpecError, parse_spec

    base = {"source": {"url": "https://bbb.example.org/", "secretRef": {"env": "X"}},
            "mode": "claim", "dryRun": True}
    for bad in ("..", ".", ".hidden"):
        with pytest.raises(SpecError, match="recorderDirectory"):
            parse_spec({**base, "pod": {"claim": {"recorderDirectory": bad}}})
    parse_spec({**base, "pod": {"claim": {"recorderDirectory": "rec.1"}}})


def test_a_parse_from_a_file_is_bounded_too():
    from bbb_migrate.source.xmlparse import parse_reply

    with pytest.raises(BBBError) as info:
        parse_reply(io.BytesIO(HEAD + b"<recordings>" + b"<a>" * 100), "cache file x")
    assert "MAX_DEPTH" in str(info.value)
