// The page's only script (no inline script: the Content-Security-Policy forbids it).
// Everything shown comes from the API and is inserted as text, never as HTML.
const fmt = (v) => (v === null || v === undefined ? '-' : Number(v).toFixed(3));

async function load() {
  const res = await fetch('/api/runs?limit=20');
  if (!res.ok) throw new Error(`GET /api/runs: HTTP ${res.status}`);
  const { runs } = await res.json();
  const body = document.querySelector('#runs tbody');
  for (const r of runs) {
    const tr = document.createElement('tr');
    const m = r.metrics ?? {};
    for (const v of [r.runId, r.checkpoint, r.step ?? '-', r.status, fmt(m.bio_accuracy), fmt(m.hallucination_rate), fmt(m.blog_quality)]) {
      const td = document.createElement('td');
      td.textContent = String(v);
      tr.append(td);
    }
    body.append(tr);
  }
}

load().catch((e) => {
  const el = document.querySelector('#error');
  el.textContent = e.message;
  el.hidden = false;
});
