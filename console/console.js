// WinEventEngine web console: plain JS, no framework, nothing fetched from elsewhere.
// Event data is written by whoever names a file or a window: it only ever goes into textContent.
'use strict';

const TOKEN_HEADER = 'X-WEE-Token';
const CHART_SECONDS = 300;
const POLL_MS = 2000;
const MAX_ROWS = 300;

let token = '';
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

// The token arrives in the URL fragment (never sent to a server), then lives in this tab only.
function takeToken() {
  const m = /(?:^|[#&])token=([0-9a-f]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('wee-token', m[1]);
    history.replaceState(null, '', location.pathname + '#dashboard');
  }
  token = sessionStorage.getItem('wee-token') || '';
}

function setConn(text, cls) {
  const c = $('conn');
  c.textContent = text;
  c.className = 'conn ' + (cls || '');
}

async function api(path, opts) {
  const o = opts || {};
  o.headers = Object.assign({}, o.headers || {}, { [TOKEN_HEADER]: token });
  const r = await fetch(path, o);
  if (r.status === 401) { $('notoken').classList.remove('hidden'); setConn('no access (token)', 'bad'); }
  return r;
}

// ---- pages ----
function show(page) {
  for (const p of document.querySelectorAll('.page')) p.classList.toggle('hidden', p.id !== 'page-' + page);
  for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.page === page);
  if (location.hash !== '#' + page) history.replaceState(null, '', '#' + page);
  if (pageHooks[page]) pageHooks[page]();
}
// What to do when a page is shown: the live view here, the pages in their own files (rules.js,
// tester.js, sources.js) register theirs.
const pageHooks = { live: () => startStream() };

// ---- dashboard ----
const samples = [];   // [time ms, processed]
function fmtUptime(s) {
  s = Math.floor(s);
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
}
function fillTable(id, rows, cols) {
  const tb = $(id);
  tb.textContent = '';
  for (const r of rows) {
    const tr = el('tr');
    for (const c of cols) tr.appendChild(el('td', '', r[c]));
    tb.appendChild(tr);
  }
}
function drawChart() {
  const cv = $('chart'), ctx = cv.getContext('2d');
  const w = cv.width, h = cv.height;
  ctx.clearRect(0, 0, w, h);
  const rates = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i][0] - samples[i - 1][0]) / 1000;
    rates.push([samples[i][0], dt > 0 ? Math.max(0, (samples[i][1] - samples[i - 1][1]) / dt) : 0]);
  }
  const max = Math.max(1, ...rates.map((r) => r[1]));
  ctx.strokeStyle = '#e8ebf0';
  ctx.fillStyle = '#667085';
  ctx.font = '11px sans-serif';
  for (let k = 0; k <= 4; k++) {
    const y = h - 16 - (h - 28) * k / 4;
    ctx.beginPath(); ctx.moveTo(40, y); ctx.lineTo(w, y); ctx.stroke();
    ctx.fillText((max * k / 4).toFixed(max < 4 ? 1 : 0), 2, y + 4);
  }
  ctx.fillText('-5 min', 40, h - 2);
  ctx.fillText('now', w - 24, h - 2);
  if (!rates.length) return;
  const now = Date.now();
  ctx.strokeStyle = '#3b82f6';
  ctx.lineWidth = 2;
  ctx.beginPath();
  rates.forEach((r, i) => {
    const x = 40 + (w - 44) * (1 - (now - r[0]) / (CHART_SECONDS * 1000));
    const y = h - 16 - (h - 28) * r[1] / max;
    if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
  });
  ctx.stroke();
}
// The host keeps the last minutes' counts (GET /api/rate): the chart starts with them, not empty.
let rateSeeded = false;
async function seedRate() {
  rateSeeded = true;
  const r = await api('/api/rate');
  if (!r.ok) return;
  const j = await r.json();
  const first = samples.length ? samples[0][0] : Infinity;
  samples.unshift(...j.samples.filter((x) => x[0] < first));
}
async function poll() {
  try {
    const r = await api('/api/status');
    if (!r.ok) return;
    const s = await r.json();
    setConn('connected', 'ok');
    $('uptime').textContent = fmtUptime(s.uptime_s);
    $('received').textContent = s.received;
    $('processed').textContent = s.processed;
    $('dropped').textContent = s.dropped;
    $('queue').textContent = s.queued + ' / ' + s.queue_capacity;
    $('queuebar').style.width = Math.min(100, 100 * s.queued / Math.max(1, s.queue_capacity)) + '%';
    $('actions').textContent = s.actions_ok + ' / ' + s.actions_failed;
    $('config').textContent = s.config;
    fillTable('sources', s.sources, ['id', 'module', 'emitted', 'lost']);
    fillTable('rules', s.rules, ['rule', 'matched']);
    fillTable('events', s.events, ['source', 'type', 'count']);
    fillTable('failures', s.failures, ['time', 'rule', 'action', 'event', 'error']);
    $('nofailures').classList.toggle('hidden', s.failures.length > 0);
    if (!rateSeeded) await seedRate();
    const now = Date.now();
    samples.push([now, s.processed]);
    while (samples.length && samples[0][0] < now - CHART_SECONDS * 1000) samples.shift();
    drawChart();
  } catch (e) {
    setConn('host not reachable', 'bad');
  }
}

// ---- live events (Server-Sent Events read through fetch, so the token travels in a header) ----
let streaming = false, paused = false, shown = 0;
const held = [];
function matchesFilter(line, ev) {
  const t = $('f-type').value.trim(), s = $('f-source').value.trim(), x = $('f-text').value.trim();
  if (t && !String(ev.type || '').includes(t)) return false;
  if (s && String(ev.source || '') !== s) return false;
  if (x && !line.includes(x)) return false;
  return true;
}
function renderEvent(line) {
  let item;
  try { item = JSON.parse(line); } catch (e) { return; }
  const ev = item.event || {};
  if (!matchesFilter(line, ev)) return;
  const rules = item.rules || [];
  const failed = rules.some((r) => (r.actions || []).some((a) => !a.ok));
  const box = el('div', 'ev' + (rules.length ? ' matched' : '') + (failed ? ' failed' : ''));
  const head = el('div', 'head');
  head.appendChild(el('span', 'muted', item.time));
  head.appendChild(el('span', 'type', ev.type));
  head.appendChild(el('span', 'muted', 'source ' + (ev.source || '')));
  box.appendChild(head);
  const fields = Object.keys(ev).filter((k) => k !== 'type' && k !== 'source' && k !== 'time')
    .map((k) => k + '=' + (typeof ev[k] === 'string' ? '"' + ev[k] + '"' : JSON.stringify(ev[k]))).join('  ');
  box.appendChild(el('div', 'fields', fields));
  if (!rules.length) box.appendChild(el('div', 'rule muted', 'no rule matched'));
  for (const r of rules) {
    const d = el('div', 'rule');
    d.appendChild(el('span', '', 'rule "' + r.rule + '"' + (r.deferred ? ' (' + r.deferred + ', runs later)' : '') +
      (r.fired ? ' (' + r.fired + ' fired' + (r.events ? ', ' + r.events + ' events' : '') + ')' : '') + ': '));
    for (const a of r.actions || []) {
      d.appendChild(el('span', a.ok ? 'ok' : 'err', a.action + (a.ok ? ' ok' : ' failed: ' + (a.error || '')) +
        (a.results ? ' ' + fmtResults(a.results) : '') + '  '));
    }
    box.appendChild(d);
  }
  if (window.testerPick) box.appendChild(testerPick(ev));
  const stream = $('stream');
  stream.insertBefore(box, stream.firstChild);
  while (stream.childElementCount > MAX_ROWS) stream.removeChild(stream.lastChild);
  $('shown').textContent = ++shown;
}
// What an action published: exit_code=0 status=200 ok=true ...
function fmtResults(res) {
  return '(' + Object.keys(res).map((k) => k + '=' + JSON.stringify(res[k])).join(' ') + ')';
}
function onMessage(type, data) {
  if (type === 'missed') { $('missed').textContent = data; return; }
  if (paused) {
    held.push(data);
    if (held.length > MAX_ROWS) held.shift();
    $('held').textContent = held.length;
    return;
  }
  renderEvent(data);
}
async function startStream() {
  if (streaming || !token) return;
  streaming = true;
  try {
    const r = await api('/api/events');
    if (!r.ok || !r.body) throw new Error('status ' + r.status);
    const reader = r.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let type = 'message', data = [];
        for (const l of block.split('\n')) {
          if (l.startsWith('event: ')) type = l.slice(7);
          else if (l.startsWith('data: ')) data.push(l.slice(6));
        }
        if (data.length) onMessage(type, data.join('\n'));
      }
    }
  } catch (e) {
    setConn('live stream interrupted', 'bad');
  }
  streaming = false;
  setTimeout(() => { if (!$('page-live').classList.contains('hidden')) startStream(); }, 2000);
}

// ---- emit ----
function fieldValue(v) {
  if (/^-?\d+$/.test(v)) return parseInt(v, 10);
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}
// An event from its type and name=value lines (the Emit and Event tester forms): {ev} or {error}.
function eventFromLines(type, lines) {
  const ev = { type: type.trim() };
  for (const line of lines.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: 'line "' + line + '": expected name=value' };
    ev[line.slice(0, eq).trim()] = fieldValue(line.slice(eq + 1).trim());
  }
  return { ev };
}
async function emit() {
  const out = $('emit-result');
  const { ev, error } = eventFromLines($('emit-type').value, $('emit-fields').value);
  if (error) { out.textContent = error; return; }
  const r = await api('/api/emit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ev) });
  const j = await r.json().catch(() => ({ text: 'HTTP ' + r.status }));
  out.textContent = (r.ok ? '' : 'error: ') + j.text;
}

document.addEventListener('DOMContentLoaded', () => {
  takeToken();
  if (!token) { $('notoken').classList.remove('hidden'); setConn('no token', 'bad'); }
  for (const b of document.querySelectorAll('.tab')) b.addEventListener('click', () => show(b.dataset.page));
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
    if (!paused) { for (const l of held.splice(0)) renderEvent(l); $('held').textContent = 0; }
  });
  $('clear').addEventListener('click', () => { $('stream').textContent = ''; shown = 0; $('shown').textContent = 0; });
  $('emit-send').addEventListener('click', emit);
  const page = location.hash.slice(1);
  show(document.getElementById('page-' + page) ? page : 'dashboard');
  poll();
  setInterval(poll, POLL_MS);
});
