// Event tester page: an event (pasted, built from name=value lines, or picked from Live events) runs
// through the running rules as `host test` runs it (POST /api/test); optionally the actions run too.
// Uses console.js's helpers ($, el, api, eventFromLines, show). Event data only ever goes into textContent.
'use strict';

// A "Test" button for a live event: copies the event into the tester and runs it.
function testerPick(ev) {
  const b = el('button', 'pick', 'Test');
  b.title = 'open this event in the Event tester';
  b.addEventListener('click', () => {
    const copy = Object.assign({}, ev);
    delete copy.time;
    $('t-json').value = JSON.stringify(copy, null, 2);
    show('tester');
    testerRun();
  });
  return b;
}

function testerBuild() {
  const { ev, error } = eventFromLines($('t-type').value, $('t-fields').value);
  if (error) { $('t-summary').textContent = error; return; }
  $('t-json').value = JSON.stringify(ev, null, 2);
}

function testerAction(a, ran) {
  const d = el('div', 'action');
  const head = el('div', '');
  head.appendChild(el('span', 'mono', a.path + ': '));
  head.appendChild(el('b', '', a.action));
  if (ran) head.appendChild(el('span', a.ok ? 'ok' : 'err', a.ok ? '  → ok' : '  → FAILED: ' + (a.error || '')));
  d.appendChild(head);
  const t = el('table', 'args');
  for (const k of Object.keys(a.args || {})) {
    const tr = el('tr');
    tr.appendChild(el('td', 'mono', k));
    tr.appendChild(el('td', 'mono', JSON.stringify(a.args[k])));
    t.appendChild(tr);
  }
  d.appendChild(t);
  return d;
}

function testerReport(rep, index, count, ran) {
  const card = el('div', 'card');
  const ev = rep.event || {};
  card.appendChild(el('h2', '', (count > 1 ? 'Event [' + index + '] ' : 'Event ') + ev.type + ': ' +
    rep.matched + ' rule(s) matched' + (ran ? ', ' + rep.failed + ' action(s) failed' : '')));
  const t = el('table', 'verdicts');
  const hr = el('tr');
  for (const h of ['verdict', 'rule', 'why / what runs']) hr.appendChild(el('th', '', h));
  t.appendChild(hr);
  for (const r of rep.rules || []) {
    const tr = el('tr', 'v-' + r.verdict.replace(' ', '-'));
    tr.appendChild(el('td', 'verdict', r.verdict));
    const name = el('td', '');
    name.appendChild(el('div', '', r.rule));
    name.appendChild(el('div', 'muted mono', r.path));
    tr.appendChild(name);
    const why = el('td', '');
    if (r.reason) why.appendChild(el('div', '', r.reason));
    if (r.note) why.appendChild(el('div', 'muted', r.note));
    if (r.running && r.running.length)
      why.appendChild(el('div', 'muted', 'in the running host: ' + r.running.join(', ')));
    for (const a of r.actions || []) why.appendChild(testerAction(a, ran));
    if (r.results && Object.keys(r.results).length) why.appendChild(el('div', 'mono', 'results ' + fmtResults(r.results)));
    tr.appendChild(why);
    t.appendChild(tr);
  }
  if (!(rep.rules || []).length) card.appendChild(el('p', 'muted', 'The running config has no rules.'));
  card.appendChild(t);
  return card;
}

async function testerRun() {
  const out = $('t-out'), sum = $('t-summary');
  let ev;
  try { ev = JSON.parse($('t-json').value); } catch (e) { sum.textContent = 'not valid JSON: ' + e.message; return; }
  const run = $('t-run').checked;
  sum.textContent = 'testing…';
  const r = await api('/api/test', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ event: ev, run: run }) });
  const j = await r.json().catch(() => ({ ok: false, text: 'HTTP ' + r.status }));
  out.textContent = '';
  if (!j.ok) { sum.textContent = 'error: ' + j.text; return; }
  sum.textContent = j.matched + ' rule(s) matched' + (j.run ? ', actions run: ' + j.failed + ' failed' :
    ' (actions not run)');
  (j.events || []).forEach((rep, i) => out.appendChild(testerReport(rep, i, j.events.length, j.run)));
}

document.addEventListener('DOMContentLoaded', () => {
  $('t-build').addEventListener('click', testerBuild);
  $('t-test').addEventListener('click', testerRun);
});
