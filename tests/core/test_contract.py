"""The recorder contract shared by the recorder and both executors."""

import json

from bbb_migrate.contract import (
    ExitCode,
    RecorderResult,
    classify_exit,
    file_sha256,
    judge_attempt,
    render_output_path,
    result_path,
    safe_name,
)


def test_exit_codes_split_retryable_and_permanent():
    assert {c for c in ExitCode if c.retryable} == {
        ExitCode.NETWORK, ExitCode.STALL, ExitCode.CRASH, ExitCode.DEADLINE, ExitCode.VERIFY,
        ExitCode.CPU_STARVED}
    assert not ExitCode.NOT_FOUND.retryable and not ExitCode.OK.retryable
    assert ExitCode.INVALID_URL.exit_class == "invalid-url"
    assert ExitCode.CPU_STARVED.exit_class == "cpu-starved"


def test_unknown_statuses_are_crashes():
    assert classify_exit(None) is ExitCode.CRASH
    assert classify_exit(137) is ExitCode.CRASH
    assert classify_exit(-9) is ExitCode.CRASH
    assert classify_exit(20) is ExitCode.NOT_FOUND


def test_names_from_recordings_never_become_paths(tmp_path):
    assert safe_name("../../etc/passwd").startswith("etc_passwd~")
    assert safe_name("..").startswith("unnamed~")
    assert safe_name("a/b\\c d").startswith("a_b_c_d~")
    assert safe_name("abc-1700000000000") == "abc-1700000000000"  # a real record ID is kept
    path = render_output_path(tmp_path, "../x/../../y")
    assert path.parent == tmp_path / "renders"
    for name in (safe_name("."), safe_name(".."), safe_name("a" * 500), safe_name("é/\n")):
        assert "/" not in name and not name.startswith(".") and 0 < len(name) <= 120


def test_output_paths_never_collide_for_distinct_record_ids():
    """Issue 11: IDs equal on their first 120 sanitised characters, "." and "..", an ID that
    sanitises to another ID's kept form: each gets its own output name."""
    long = "x" * 120
    hashed = safe_name("a b")
    ids = [long + "A", long + "B", long, ".", "..", "", "a b", "a_b", "a/b", hashed,
           "a" * 119 + "~", "A", "a"]
    names = [safe_name(i) for i in ids]
    assert len(set(names)) == len(ids), names
    assert all(len(n) <= 120 for n in names)


def test_a_result_about_another_recording_is_never_taken(tmp_path):
    """Issue 11: the judge compares the result JSON's record_id with the recording."""
    out = render_output_path(tmp_path, "rec-1")
    out.parent.mkdir(parents=True)
    out.write_bytes(b"video")
    RecorderResult("rec-2", "u", str(out), "render", 0, "ok", size_bytes=5,
                   sha256=file_sha256(out)).write()
    code, message, result = judge_attempt(0, out)  # the output's name says rec-1
    assert code == ExitCode.VERIFY and "rec-2" in message and result is None
    code, message, _ = judge_attempt(0, out, "rec-1")  # the executor says which one
    assert code == ExitCode.VERIFY and "not 'rec-1'" in message
    RecorderResult("rec-1", "u", str(out), "render", 0, "ok", size_bytes=5,
                   sha256=file_sha256(out)).write()
    assert judge_attempt(0, out)[0] == ExitCode.OK
    assert judge_attempt(0, out, "rec-1")[0] == ExitCode.OK


def test_result_json_round_trip_and_atomic_write(tmp_path):
    out = tmp_path / "renders" / "rec.mp4"
    result = RecorderResult(record_id="rec", source_url="http://x/", output=str(out),
                            kind="render", exit_code=0, exit_class="ok", size_bytes=10)
    written = result.write()
    assert written == result_path(out) and written.name == "rec.mp4.result.json"
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no temp file left
    data = json.loads(written.read_text())
    data["newer_field"] = 1
    written.write_text(json.dumps(data))
    again = RecorderResult.read(written)
    assert again.ok and again.size_bytes == 10 and again.extra == {"newer_field": 1}


def test_one_rule_judges_an_attempt_for_both_executors(tmp_path):
    out = tmp_path / "rec.mp4"
    # nothing left beside the output: the process status is all there is
    assert judge_attempt(11, out) == (11, "", None)
    assert judge_attempt(None, out) == (None, "", None)
    # exit 0 without a result: claimed, not proven
    code, message, _ = judge_attempt(0, out)
    assert code == ExitCode.VERIFY and "no result JSON" in message
    # the recorder's own failure wins over the process status (a wrapper may blur it)
    RecorderResult("rec", "u", str(out), "render", 20, "not-found", message="HTTP 404").write()
    assert judge_attempt(1, out)[:2] == (20, "HTTP 404")
    # an OK result whose file is missing or differs is never a success
    out.write_bytes(b"video")
    ok = RecorderResult("rec", "u", str(out), "render", 0, "ok", size_bytes=5,
                        sha256=file_sha256(out))
    ok.write()
    code, message, result = judge_attempt(12, out)  # proven: kept, whatever the status
    assert code == ExitCode.OK and message == "" and result.sha256 == ok.sha256
    out.write_bytes(b"other")
    code, message, _ = judge_attempt(0, out)
    assert code == ExitCode.VERIFY and "sha256" in message
    out.unlink()
    code, message, _ = judge_attempt(None, out)
    assert code == ExitCode.VERIFY and "missing" in message
