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
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("..") == "unnamed"
    assert safe_name("a/b\\c d") == "a_b_c_d"
    path = render_output_path(tmp_path, "../x/../../y")
    assert path.parent == tmp_path / "renders"


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
