// Sources and modules page: the configured sources with their state and counts (restart one), and
// the modules beside the host with version, ABI and option docs (GET /api/sources, /api/modules,
// POST /api/sources/restart). Uses console.js's helpers ($, el, api, pageHooks).
'use strict';

async function sourcesRestart(id) {
  const out = $('src-result');
  out.textContent = 'restarting ' + id + '…';
  const r = await api('/api/sources/restart', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: id }) });
  const j = await r.json().catch(() => ({ text: 'HTTP ' + r.status }));
  out.textContent = (r.ok ? '' : 'error: ') + j.text;
  sourcesLoad();
}

function optionRows(list) {
  const t = el('table', 'opts');
  const hr = el('tr');
  for (const h of ['option', 'type', 'default', '', 'description']) hr.appendChild(el('th', '', h));
  t.appendChild(hr);
  for (const o of list || []) {
    const tr = el('tr');
    tr.appendChild(el('td', 'mono', o.name));
    tr.appendChild(el('td', '', o.type));
    tr.appendChild(el('td', 'mono', o.default === undefined ? '–' : o.default));
    tr.appendChild(el('td', '', o.required ? 'required' : 'optional'));
    let d = o.description || '';
    if (o.range) d += ' (range ' + (o.range.min !== undefined ? o.range.min : '') + '..' + (o.range.max !== undefined ? o.range.max : '') + ')';
    if (o.choices) d += ' (one of: ' + o.choices + ')';
    const td = el('td', '', d);
    if (o.fields) { td.appendChild(el('div', 'muted', 'each object has:')); td.appendChild(optionRows(o.fields)); }
    tr.appendChild(td);
    t.appendChild(tr);
  }
  if (!(list || []).length) { const tr = el('tr'); tr.appendChild(el('td', 'muted', '(no options)')); t.appendChild(tr); }
  return t;
}

async function modulesDescribe(name) {
  const box = $('mod-doc');
  const r = await api('/api/modules?describe=' + encodeURIComponent(name));
  const m = await r.json().catch(() => ({ text: 'HTTP ' + r.status }));
  box.textContent = '';
  box.classList.remove('hidden');
  if (!r.ok) { box.appendChild(el('p', 'err', m.text)); return; }
  box.appendChild(el('h2', '', m.name + ' ' + m.version + ' (' + m.kind + ', ABI ' + m.abi + ')'));
  box.appendChild(el('p', '', m.description));
  box.appendChild(el('p', 'muted mono', m.path));
  if (m.events && m.events.length) box.appendChild(el('p', '', 'events: ' + m.events.join(' ')));
  const section = (title, list) => { box.appendChild(el('h3', '', title)); box.appendChild(optionRows(list)); };
  if (m.action_options) { section('source options', m.options); section('action options', m.action_options); }
  else section('options', m.options);
  if (m.module_options) section('module-wide options (config "modules": {"' + m.name + '": {...}})', m.module_options);
  sourcesLoad(); // the module is loaded now
}

function cellRow(values) {
  const tr = el('tr');
  for (const v of values) tr.appendChild(el('td', '', v === undefined ? '' : v));
  return tr;
}

async function sourcesLoad() {
  const [rs, rm] = await Promise.all([api('/api/sources'), api('/api/modules')]);
  if (rs.ok) {
    const tb = $('src-rows');
    tb.textContent = '';
    for (const s of await rs.json()) {
      const tr = cellRow([s.id, s.module, s.path, s.state, s.emitted, s.lost]);
      tr.children[3].className = s.state === 'running' ? 'ok' : 'err';
      if (s.reason) tr.children[3].title = s.reason;
      const td = el('td');
      // A failed source can be tried again once its cause is fixed (a folder created), without a reload.
      const b = el('button', '', s.state === 'running' ? 'Restart' : 'Start');
      b.dataset.source = s.id;
      b.addEventListener('click', () => sourcesRestart(s.id));
      td.appendChild(b);
      if (s.state !== 'running') td.appendChild(el('div', 'err', s.reason));
      tr.appendChild(td);
      tb.appendChild(tr);
    }
  }
  if (rm.ok) {
    const tb = $('mod-rows');
    tb.textContent = '';
    for (const m of await rm.json()) {
      const tr = cellRow([m.name, m.version, m.kind, m.abi, m.loaded ? 'loaded' : 'not loaded', m.description]);
      const td = el('td');
      const b = el('button', '', 'Options');
      b.dataset.module = m.name;
      b.addEventListener('click', () => modulesDescribe(m.name));
      td.appendChild(b);
      tr.appendChild(td);
      tb.appendChild(tr);
    }
  }
}

pageHooks.sources = sourcesLoad;
