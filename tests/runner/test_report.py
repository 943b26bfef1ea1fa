"""The migration report (bbb_migrate/report): from the recorders' result JSONs alone (the
cluster's shared volume) and in a real browser from the file system: the phase filter and the
search work with no server, and a recording's name can never inject markup. The report of a
real local run is checked in test_e2e.py (test_claim_mode_real_recorder_...)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bbb_migrate.cli import main
from bbb_migrate.contract import ExitCode, RecorderResult, sheet_path
from bbb_migrate.report import Row, rows_from_results, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args: str) -> str:
    """Headless Chromium, as a person's browser opening the file (no server)."""
    out = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                          "--hide-scrollbars", *args], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def result(folder: Path, record_id: str, code: ExitCode, message: str = "ok") -> Path:
    output = folder / "renders" / f"{record_id}.mp4"
    output.parent.mkdir(parents=True, exist_ok=True)
    checks = {"black": {"status": "failed" if code is ExitCode.CONTENT else "ok"}}
    RecorderResult(record_id=record_id, source_url="https://bbb/x", output=str(output),
                   kind="render", exit_code=int(code), exit_class=code.exit_class,
                   message=message, duration_seconds=600.0, wall_seconds=60.0,
                   checks=checks, extra={"engine": "compose"}).write()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=640x45:d=1", "-frames:v", "1", str(sheet_path(output))],
                   check=True)
    return output


def test_report_from_result_jsons_for_a_cluster_volume(tmp_path):
    result(tmp_path, "good-1", ExitCode.OK)
    result(tmp_path, "black-2", ExitCode.CONTENT, "content check failed: black: black for 600 s")
    (tmp_path / "renders" / "broken.result.json").write_text("{not json")
    rows = {row.record_id: row for row in rows_from_results(tmp_path)}
    assert set(rows) == {"good-1", "black-2"}
    assert rows["good-1"].phase == "Rendered" and rows["good-1"].sheet == \
        "../renders/good-1.mp4.sheet.jpg"
    assert rows["black-2"].phase == "Failed" and rows["black-2"].failed_checks == ["black"]
    assert rows["black-2"].reason.startswith("content: content check failed: black")
    out = CliRunner().invoke(main, ["report", "--dir", str(tmp_path), "--title", "Volume"])
    assert out.exit_code == 0, out.output
    page = (tmp_path / "report" / "index.html").read_text()
    assert page.count("<tr data-phase=") == 2 and "checks failed: black" in page
    missing = CliRunner().invoke(main, ["report", "--dir", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "no such folder" in missing.output


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium needed")
def test_report_filters_and_searches_in_a_browser_from_the_file_system(tmp_path):
    rows = [Row(record_id=f"r{i}", name=f"Cours {i}", phase=phase, owners=["alice"])
            for i, phase in enumerate(["Published", "Published", "Failed", "Skipped"])]
    rows.append(Row(record_id="evil", name='<img src=x onerror="document.title=1">',
                    phase="Failed"))
    page = write_report(tmp_path, rows, "Semester")
    url = page.resolve().as_uri()

    # one browser run: the phase filter and the search, both from the URL (a bookmark)
    dom = chromium("--dump-dom", url + "?phase=Failed&q=cours")
    shown = re.findall(r'<tr data-phase="\w+" data-search="[^"]*">.*?<div class="id">'
                       r'([^<]+)</div>', dom)
    assert shown == ["r2"] and dom.count("<tr data-phase=") == 5
    assert "1 shown" in dom
    assert "&lt;img src=x" in page.read_text()  # shown as text, never as markup
    shot = tmp_path / "report.png"
    chromium("--window-size=1200,500", f"--screenshot={shot}", url)
    assert shot.stat().st_size > 10_000
