"""The report's HTML: one self-contained page (CSS and script inline, no network), so it opens
from the file system in any browser; the contact sheets are linked beside it.

Every value from a recording (names, reasons, owners, paths) goes through ``html.escape``; the
script only shows and hides rows (phase buttons, a search box over names and record IDs).
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote

from . import Row

PHASES = ("Pending", "Queued", "Rendering", "Rendered", "Published", "Skipped", "Failed")

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
header{background:#1d3557;color:#fff;padding:12px 20px}
header h1{font-size:20px;margin:0}
header p{margin:4px 0 0;opacity:.85}
.bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;padding:10px 20px;
     background:#fff;border-bottom:1px solid #dde1e7;position:sticky;top:0}
.bar button{border:1px solid #b8c0cc;background:#fff;border-radius:14px;padding:3px 11px;
            cursor:pointer}
.bar button.on{background:#1d3557;color:#fff;border-color:#1d3557}
.bar input{margin-left:auto;padding:5px 9px;width:260px;border:1px solid #b8c0cc;
           border-radius:4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:6px 10px;border-bottom:1px solid #e6e9ee;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;position:sticky;top:48px}
td.sheet{width:640px}
td.sheet img{width:640px;display:block;border:1px solid #ccd}
.id{font:12px monospace;color:#5a6475}
.phase{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;
       background:#e6e9ee}
.Published{background:#d4f1dc;color:#135b2a}.Rendered{background:#dbe9ff;color:#173f80}
.Failed{background:#fde0e0;color:#8a1717}.Skipped{background:#eee;color:#555}
.Rendering,.Queued{background:#fff2cc;color:#6b5200}
.reason{min-width:240px;max-width:380px}
.reason{color:#5a6475}.reason.r-Failed{color:#8a1717}
.out{font:11px monospace;color:#5a6475;word-break:break-all;margin-top:3px}
.checks{color:#8a1717;font-size:12px}
.none{color:#8a94a6;font-style:italic}
#count{color:#5a6475;margin-left:8px}
"""

SCRIPT = """
(function(){
  var phase = 'all', query = '';
  var rows = Array.prototype.slice.call(document.querySelectorAll('tbody tr'));
  function apply(){
    var shown = 0;
    rows.forEach(function(r){
      var ok = (phase === 'all' || r.dataset.phase === phase) &&
               (!query || r.dataset.search.indexOf(query) >= 0);
      r.hidden = !ok; if (ok) shown++;
    });
    document.getElementById('count').textContent = shown + ' shown';
  }
  document.querySelectorAll('.bar button').forEach(function(b){
    b.addEventListener('click', function(){
      phase = b.dataset.phase;
      document.querySelectorAll('.bar button').forEach(function(o){
        o.classList.toggle('on', o === b); });
      apply();
    });
  });
  document.getElementById('search').addEventListener('input', function(e){
    query = e.target.value.trim().toLowerCase(); apply(); });
  var wanted = new URLSearchParams(location.search);
  if (wanted.get('q')) { document.getElementById('search').value = wanted.get('q');
                         query = wanted.get('q').toLowerCase(); }
  if (wanted.get('phase')) { var b = document.querySelector(
      '.bar button[data-phase="' + wanted.get('phase') + '"]'); if (b) b.click(); }
  apply();
})();
"""


def _minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def _row(row: Row) -> str:
    e = html.escape
    search = f"{row.name} {row.record_id} {' '.join(row.owners)}".lower()
    sheet = (f'<a href="{e(quote(row.sheet))}"><img loading="lazy" alt="contact sheet" '
             f'src="{e(quote(row.sheet))}"></a>' if row.sheet
             else '<span class="none">no contact sheet</span>')
    speed = ""
    if row.render_seconds and row.duration_seconds and row.phase in ("Published", "Rendered"):
        speed = f" ({row.duration_seconds / row.render_seconds:.1f}x)"
    checks = (f'<div class="checks">checks failed: {e(", ".join(row.failed_checks))}</div>'
              if row.failed_checks else "")
    reason = row.reason if row.phase not in ("Published", "Rendered") else ""
    return (
        f'<tr data-phase="{e(row.phase)}" data-search="{e(search)}">'
        f'<td><b>{e(row.name) or "<span class=none>(no name)</span>"}</b>'
        f'<div class="id">{e(row.record_id)}</div><div>{e(row.started[:16].replace("T", " "))}'
        f'</div><div class="out">{e(row.output)}</div></td>'
        f'<td><span class="phase {e(row.phase)}">{e(row.phase)}</span>'
        f'<div>{e(row.action)} {e(row.engine)}</div></td>'
        f'<td class="reason r-{e(row.phase)}">{e(reason)}{checks}</td>'
        f'<td>{_minutes(row.duration_seconds)}<div class="id">render '
        f'{_minutes(row.render_seconds)}{speed}</div></td>'
        f'<td>{e(", ".join(row.owners))}</td>'
        f'<td class="sheet">{sheet}</td></tr>'
    )


def render_page(rows: list[Row], title: str) -> str:
    """The whole page."""
    e = html.escape
    counts = Counter(row.phase for row in rows)
    buttons = [f'<button class="on" data-phase="all">All {len(rows)}</button>']
    buttons += [f'<button data-phase="{p}">{p} {counts[p]}</button>' for p in PHASES
                if counts.get(p)]
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary = ", ".join(f"{counts[p]} {p.lower()}" for p in PHASES if counts.get(p))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}: migration report</title><style>{STYLE}</style></head>
<body><header><h1>{e(title)}</h1><p>{len(rows)} recordings: {e(summary)}. Written {written}
by bbb-migrate report.</p></header>
<div class="bar">{''.join(buttons)}<span id="count"></span>
<input id="search" type="search" placeholder="Search by name, record ID or owner"></div>
<table><thead><tr><th>Recording and output</th><th>Phase</th><th>Reason</th><th>Duration</th>
<th>Owners</th><th>Contact sheet</th></tr></thead>
<tbody>
{chr(10).join(_row(row) for row in rows)}
</tbody></table>
<script>{SCRIPT}</script></body></html>
"""
