"""Downloading a BBB ``video`` playback over real HTTP (the simulator), cut and resumed."""

from __future__ import annotations

import hashlib
import json

from rechelpers import VIDEO_ID, run_recorder

from bbb_migrate.contract import ExitCode


def source_file(video_dir):
    return video_dir / VIDEO_ID / "video-0.m4v"


def assert_downloaded(run, video_dir):
    assert run.code == ExitCode.OK, run.stdout[-3000:]
    result = run.result
    data = source_file(video_dir).read_bytes()
    assert result.kind == "download" and result.ok
    assert result.size_bytes == len(data) == run.output.stat().st_size
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.expected_duration_seconds == 8.0  # from the playback's metadata.xml
    assert abs(result.duration_seconds - 8.0) < 0.5
    assert not list(run.output.parent.glob(f".{run.output.name}.part*"))
    return result


def test_index_page_source_src_is_followed(simulator, video_dir, tmp_path):
    run = run_recorder(f"{simulator.base_url}/playback/video/{VIDEO_ID}/", tmp_path / "v.mp4")
    result = assert_downloaded(run, video_dir)
    assert result.extra["media_url"].endswith(f"/playback/video/{VIDEO_ID}/video-0.m4v")
    assert result.extra["resumes"] == 0


def test_token_url_and_direct_file_url(simulator, video_dir, tmp_path):
    token = run_recorder(f"{simulator.base_url}/recording/{VIDEO_ID}/video?token=t0k3n",
                         tmp_path / "token.mp4")
    assert_downloaded(token, video_dir)
    direct = run_recorder(f"{simulator.base_url}/playback/video/{VIDEO_ID}/video-0.m4v",
                          tmp_path / "direct.mp4")
    assert_downloaded(direct, video_dir)


def test_cut_in_the_middle_then_resumed_with_range(fresh_simulator, video_dir, tmp_path):
    size = source_file(video_dir).stat().st_size
    faults = fresh_simulator.config.faults
    faults.cut_download_after_bytes = size // 3
    faults.cut_download_times = 2  # two connections cut, each resumed where it stopped
    run = run_recorder(f"{fresh_simulator.base_url}/playback/video/{VIDEO_ID}/",
                       tmp_path / "v.mp4")
    result = assert_downloaded(run, video_dir)
    assert result.extra["resumes"] == 2
    cuts = [json.loads(line) for line in run.stdout.splitlines()
            if '"download-interrupted"' in line]
    have = [c["have"] for c in cuts]
    assert len(have) == 2 and 0 < have[0] <= size // 3 < have[1] <= 2 * (size // 3) + size // 3


def test_partial_file_from_an_earlier_attempt_is_resumed(simulator, video_dir, tmp_path):
    data = source_file(video_dir).read_bytes()
    output = tmp_path / "v.mp4"
    url = f"{simulator.base_url}/playback/video/{VIDEO_ID}/video-0.m4v"
    part = tmp_path / ".v.mp4.part"
    part.write_bytes(data[: len(data) // 2])
    (tmp_path / ".v.mp4.part.json").write_text(json.dumps({"url": url, "total": len(data)}))
    run = run_recorder(url, output)
    result = assert_downloaded(run, video_dir)
    assert result.extra["resumed_from_bytes"] == len(data) // 2


def test_part_file_longer_than_the_server_file_starts_again(simulator, video_dir, tmp_path):
    data = source_file(video_dir).read_bytes()
    output = tmp_path / "v.mp4"
    url = f"{simulator.base_url}/playback/video/{VIDEO_ID}/video-0.m4v"
    part = tmp_path / ".v.mp4.part"
    part.write_bytes(data + b"stale bytes of an older, longer file")
    (tmp_path / ".v.mp4.part.json").write_text(json.dumps({"url": url, "total": None}))
    run = run_recorder(url, output)
    assert_downloaded(run, video_dir)
    assert any(e.get("event") == "download-restart" for e in run.events)


def test_missing_video_is_permanent(simulator, tmp_path):
    missing = "9999999999999999999999999999999999999999-1700000000000"
    run = run_recorder(f"{simulator.base_url}/playback/video/{missing}/", tmp_path / "v.mp4")
    assert run.code == ExitCode.NOT_FOUND
    assert run.result.exit_class == "not-found" and not run.output.exists()


def test_server_gone_is_retryable(tmp_path):
    run = run_recorder("http://127.0.0.1:9/playback/video/abc/", tmp_path / "v.mp4")
    assert run.code == ExitCode.NETWORK and ExitCode(run.code).retryable
