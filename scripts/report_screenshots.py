"""Make the screenshots of docs/checking.md: a real local migration of five copies of the
sample (one whose slide the server lost, one whose playback is gone), its report, and headless
Chromium's pictures of it. Run: python scripts/report_screenshots.py [OUT_DIR]"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from bbb_migrate.report import build
from bbb_migrate.runner.demo import copy_sample, demo_spec
from bbb_migrate.runner.executor import Executor
from bbb_migrate.runner.progress import make_reporter
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.spec import parse_spec

NAMES = ["Algèbre linéaire, cours 4", "Thermodynamique TD 2", "Histoire moderne, séance 7",
         "Réunion d'équipe pédagogique", "Chimie organique, cours 1"]
IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        published = Path(tmp)
        ids = copy_sample(published, len(NAMES))
        for record_id, name in zip(ids, NAMES, strict=True):
            meta = published / record_id / "metadata.xml"
            meta.write_text(meta.read_text("utf-8").replace(
                "<bbb-recording-name>Sample recording<", f"<bbb-recording-name>{name}<"),
                "utf-8")
        next((published / ids[1]).glob("presentation/*/slide-2.png")).unlink()
        os.environ["BBB_MIGRATE_DEMO_SECRET"] = secret = secrets.token_hex(8)
        config = SimulatorConfig(secret=secret, published_dir=published)
        config.faults.playback_404_ids = {ids[3]}
        (out / "recorder").mkdir(parents=True, exist_ok=True)
        with Simulator(config) as sim:
            spec = parse_spec(demo_spec(sim.api_url, out, 2))
            Executor(spec, make_reporter(json_output=True)).run()
    screenshots(build(out, "Semester 1 migration"))


def screenshots(page: Path) -> None:
    for name, query, size in (("report.png", "", "1500,620"),
                              ("report-failed.png", "?phase=Failed", "1500,400")):
        subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--window-size={size}",
                        f"--screenshot={IMAGES / name}", page.resolve().as_uri() + query],
                       check=True, capture_output=True)
        print("wrote", IMAGES / name)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()).resolve())
