// The console's Rules page: the rules of every file with their counts; a form built from the config's JSON
// Schema (GET /api/rules/schema) to create, edit, duplicate, disable and delete the rules of the file the
// console owns; its raw JSON; export and import. A save sends the console's whole file to /api/rules/save,
// which checks it with the rest of the config first; errors come back with their JSON paths and are shown
// at the field they name. Uses api(), el() and $() of console.js. Rule data only ever goes into
// textContent and input values, never into markup.
'use strict';

const rulesPage = (() => {
  let schema = null;          // {schema, source_modules}
  let list = null;            // GET /api/rules
  let draft = null;           // the console's file being edited: {sources: [...], rules: [...]}
  let editing = -1;           // index in draft.rules of the rule in the form, -1: none
  let editingSource = -1;     // index in draft.sources of the source in the source form, -1: none
  let rawMode = false;

  const clone = (o) => JSON.parse(JSON.stringify(o));
  const base = (f) => String(f || '').split(/[\\/]/).pop();

  // ---- schema helpers ----
  function defs() { return (schema && schema.schema && schema.schema.definitions) || {}; }
  // The properties, required list and description of one module's object (action or source).
  function moduleSchema(def, key, name) {
    const d = defs()[def] || {};
    const props = Object.assign({}, d.properties || {});
    let required = (d.required || []).slice(), description = '';
    for (const branch of d.allOf || []) {
      const c = (((branch.if || {}).properties || {})[key] || {}).const;
      if (c !== name || !branch.then) continue;
      for (const [k, v] of Object.entries(branch.then.properties || {})) if (Object.keys(v).length) props[k] = v;
      required = required.concat(branch.then.required || []);
      description = branch.then.description || '';
    }
    return { props, required, description };
  }
  function moduleNames(def, key) {
    const p = ((defs()[def] || {}).properties || {})[key] || {};
    for (const a of p.anyOf || []) if (a.enum) return a.enum;
    return [];
  }
  function typeOf(s) {
    if (s.enum) return 'choice';
    if (s.type === 'boolean') return 'boolean';
    if (s.type === 'integer' || s.type === 'number') return 'integer';
    if (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'))) return 'string';
    if (s.type === 'object' || s.type === 'array') return 'json';
    if (s.anyOf) return 'string-or-list';
    return 'json';
  }
  function typeLabel(s) {
    const t = typeOf(s);
    if (t === 'choice') return 'one of ' + s.enum.join(', ');
    if (t === 'integer') {
      let r = 'integer';
      if (s.minimum !== undefined && s.maximum !== undefined) r += ' ' + s.minimum + '..' + s.maximum;
      else if (s.minimum !== undefined) r += ' >= ' + s.minimum;
      return r;
    }
    if (t === 'string-or-list') return 'text, or a JSON list ["a", "b"]';
    if (t === 'json') return 'JSON ' + (s.type || 'value');
    return t;
  }

  // ---- one field of a form: label, input, type / default / description, and a place for its error ----
  function field(path, name, s, value, required) {
    const t = typeOf(s);
    const box = el('div', 'field');
    box.dataset.path = path;
    const lab = el('label', 'fname');
    lab.appendChild(el('b', '', name + (required ? ' *' : '')));
    lab.appendChild(el('span', 'muted', ' ' + typeLabel(s) + (s.default !== undefined ? ' · default ' + JSON.stringify(s.default) : '')));
    box.appendChild(lab);
    let input;
    if (t === 'boolean' || t === 'choice') {
      input = el('select');
      input.appendChild(el('option', '', '(default)')).value = '';
      const opts = t === 'boolean' ? ['true', 'false'] : s.enum;
      for (const o of opts) input.appendChild(el('option', '', o)).value = String(o);
      if (value !== undefined) input.value = String(value);
    } else if (t === 'json') {
      input = el('textarea');
      input.rows = 2;
      if (value !== undefined) input.value = JSON.stringify(value);
    } else {
      input = el('input');
      input.type = 'text';
      if (value !== undefined) input.value = typeof value === 'string' ? value : JSON.stringify(value);
    }
    input.dataset.kind = t;
    input.name = path;
    box.appendChild(input);
    if (s.description) box.appendChild(el('div', 'muted', s.description));
    box.appendChild(el('div', 'field-error hidden'));
    return box;
  }
  // The value a field holds, undefined when left empty (the key is then left out). Text that does not fit the
  // type is sent as typed, so the host's check names the mistake at this field.
  function fieldValue(input) {
    const v = input.value.trim();
    if (v === '') return undefined;
    switch (input.dataset.kind) {
      case 'boolean': return v === 'true';
      case 'integer': return /^-?\d+$/.test(v) ? parseInt(v, 10) : v;
      case 'json': try { return JSON.parse(v); } catch (e) { return v; }
      case 'string-or-list': if (v.startsWith('[')) { try { return JSON.parse(v); } catch (e) { return v; } } return v;
      default: return v;
    }
  }
  function readFields(container, skip) {
    const out = {};
    for (const f of container.querySelectorAll(':scope > .fields > .field')) {
      const input = f.querySelector('input, select, textarea');
      const name = f.dataset.path.split('.').pop();
      if (skip && skip.includes(name)) continue;
      const v = fieldValue(input);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  function fieldsFor(prefix, ms, obj, skip) {
    const box = el('div', 'fields');
    for (const [name, s] of Object.entries(ms.props)) {
      if (skip.includes(name)) continue;
      box.appendChild(field(prefix + name, name, s, obj[name], ms.required.includes(name)));
    }
    return box;
  }

  // ---- the rule form ----
  function eventTypes() {
    const types = [];
    for (const m of (schema && schema.source_modules) || []) for (const t of m.event_types) types.push(t);
    return types;
  }
  function declaredSources() {
    const ids = [];
    for (const s of (list && list.sources) || []) if (!s.editable && s.source.id) ids.push(s.source.id);
    for (const s of draft.sources) if (s.id) ids.push(s.id);
    return ids;
  }
  function actionBox(i, a) {
    const box = el('div', 'card action');
    box.dataset.index = i;
    const head = el('div', 'toolbar');
    head.appendChild(el('b', '', 'Action ' + (i + 1)));
    const sel = el('select', 'action-module');
    sel.name = 'do[' + i + '].action';
    for (const n of moduleNames('action', 'action')) sel.appendChild(el('option', '', n)).value = n;
    sel.value = a.action || 'log';
    head.appendChild(sel);
    const rm = el('button', 'remove-action', 'Remove');
    head.appendChild(rm);
    box.appendChild(head);
    const ms = moduleSchema('action', 'action', sel.value);
    box.appendChild(el('div', 'muted', ms.description));
    box.appendChild(fieldsFor('do[' + i + '].', ms, a, ['action']));
    box.appendChild(el('div', 'field-error hidden'));
    box.dataset.path = 'do[' + i + ']';
    sel.addEventListener('change', () => { const r = formRule(); r.do[i] = { action: sel.value }; renderForm(r); });
    rm.addEventListener('click', () => { const r = formRule(); r.do.splice(i, 1); renderForm(r); });
    return box;
  }
  function renderForm(rule) {
    const form = $('rule-form');
    form.textContent = '';
    const rs = moduleSchema('rule', null, null);
    const top = el('div', 'fields');
    top.appendChild(field('name', 'name', rs.props.name || { type: 'string' }, rule.name, true));
    top.appendChild(field('enabled', 'enabled', rs.props.enabled || { type: 'boolean' }, rule.enabled, false));
    form.appendChild(top);

    const when = rule.when || {};
    const trig = el('div', 'card');
    trig.appendChild(el('h2', '', 'When'));
    const ws = defs().when || { properties: {} };
    const tf = el('div', 'fields');
    tf.appendChild(field('when.event', 'event', ws.properties.event || { type: 'string' }, when.event, true));
    const ev = tf.lastChild.querySelector('input');
    ev.setAttribute('list', 'rule-event-types');
    const dl = el('datalist');
    dl.id = 'rule-event-types';
    for (const t of eventTypes()) dl.appendChild(el('option')).value = t;
    tf.appendChild(dl);
    tf.appendChild(field('when.source', 'source', ws.properties.source || { type: 'string' }, when.source, false));
    tf.lastChild.querySelector('input').setAttribute('list', 'rule-source-ids');
    const sl = el('datalist');
    sl.id = 'rule-source-ids';
    for (const id of declaredSources()) sl.appendChild(el('option')).value = id;
    tf.appendChild(sl);
    for (const k of ['match', 'all', 'any', 'not'])
      tf.appendChild(field('when.' + k, k, Object.assign({ type: 'object' }, ws.properties[k] || {}, { type: 'object' }), when[k], false));
    trig.appendChild(tf);
    form.appendChild(trig);

    const acts = el('div', 'actions');
    acts.appendChild(el('h2', '', 'Do (in order)'));
    (rule.do || []).forEach((a, i) => acts.appendChild(actionBox(i, a)));
    const add = el('button', '', 'Add action');
    add.id = 'rule-add-action';
    add.addEventListener('click', () => { const r = formRule(); r.do.push({ action: 'log' }); renderForm(r); });
    acts.appendChild(add);
    form.appendChild(acts);

    const more = el('details', 'card');
    more.appendChild(el('summary', '', 'More rule options (throttle, debounce, memory ...)'));
    const skip = ['name', 'enabled', 'when', 'do'];
    more.appendChild(fieldsFor('', rs, rule, skip));
    if (Object.keys(rule).some((k) => !skip.includes(k))) more.open = true;
    form.appendChild(more);
    $('rule-raw').value = JSON.stringify(rule, null, 2);
  }
  // The rule as the form (or the raw view) holds it now.
  function formRule() {
    if (rawMode) {
      try { return JSON.parse($('rule-raw').value); } catch (e) { return null; }
    }
    const form = $('rule-form');
    const r = readFields(form);
    const more = form.querySelector('details');
    Object.assign(r, readFields(more));
    const when = {};
    for (const f of form.querySelectorAll('.card > .fields > .field')) {
      if (!f.dataset.path.startsWith('when.')) continue;
      const v = fieldValue(f.querySelector('input, select, textarea'));
      if (v !== undefined) when[f.dataset.path.slice(5)] = v;
    }
    r.when = when;
    r.do = [];
    for (const box of form.querySelectorAll('.action')) {
      const a = { action: box.querySelector('.action-module').value };
      Object.assign(a, readFields(box, ['action']));
      r.do.push(a);
    }
    return r;
  }
  function setRaw(on) {
    const r = formRule();
    rawMode = on;
    if (on) $('rule-raw').value = JSON.stringify(r, null, 2);
    else if (r) renderForm(r);
    $('rule-raw').classList.toggle('hidden', !on);
    $('rule-form').classList.toggle('hidden', on);
    $('rule-view').textContent = on ? 'Form' : 'JSON';
  }

  function openEditor(index, rule) {
    editing = index;
    rawMode = false;
    $('rule-raw').classList.add('hidden');
    $('rule-form').classList.remove('hidden');
    $('rule-view').textContent = 'JSON';
    $('rule-editor').classList.remove('hidden');
    $('rule-editor-title').textContent = index < draft.rules.length ? 'Edit rule "' + (rule.name || '') + '"' : 'New rule';
    clearErrors();
    renderForm(rule);
    $('rule-editor').scrollIntoView();
  }

  // ---- the source form (a source the console's file declares) ----
  function openSource(index, src) {
    editingSource = index;
    const box = $('source-form');
    box.textContent = '';
    const ms = moduleSchema('source', 'module', src.module);
    box.appendChild(el('div', 'muted', 'module "' + src.module + '": ' + ms.description));
    box.appendChild(fieldsFor('', ms, src, ['module']));
    $('source-editor').classList.remove('hidden');
  }
  function formSource() {
    const src = readFields($('source-form'));
    src.module = draft.sources[editingSource].module;
    return src;
  }

  // ---- errors at their fields ----
  function clearErrors() {
    for (const e of document.querySelectorAll('#page-rules .field-error')) { e.textContent = ''; e.classList.add('hidden'); }
    for (const e of document.querySelectorAll('#page-rules .field.bad')) e.classList.remove('bad');
    $('rules-errors').textContent = '';
    $('rules-offers').textContent = '';
  }
  // Puts an error under the field its path names (the nearest enclosing one); true when one was found.
  function placeError(scope, rel, message) {
    let p = rel;
    while (p) {
      const f = scope.querySelector('[data-path="' + CSS.escape(p) + '"]');
      if (f) {
        const box = f.querySelector(':scope > .field-error');
        if (box) {
          box.classList.remove('hidden');
          box.appendChild(el('div', '', (p === rel ? '' : rel + ': ') + message));
          f.classList.add('bad');
          return true;
        }
      }
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    return false;
  }
  function showErrors(answer) {
    clearErrors();
    const list_ = $('rules-errors');
    const own = answer.file;
    for (const e of answer.errors || []) {
      let placed = false;
      const m = /^rules\[(\d+)\]\.?(.*)$/.exec(e.path);
      if (e.file === own && m && Number(m[1]) === editing && !$('rule-editor').classList.contains('hidden') && !rawMode)
        placed = placeError($('rule-form'), m[2], e.message);
      const s = /^sources\[(\d+)\]\.?(.*)$/.exec(e.path);
      if (!placed && e.file === own && s && Number(s[1]) === editingSource && !$('source-editor').classList.contains('hidden'))
        placed = placeError($('source-form'), s[2], e.message);
      const li = el('li', placed ? 'muted' : 'err', base(e.file) + ': ' + (e.path ? e.path + ': ' : '') + e.message);
      li.dataset.path = e.path;
      list_.appendChild(li);
    }
    for (const o of answer.missing_sources || []) {
      const row = el('div', 'card warn offer');
      row.appendChild(el('span', '', 'Rule "' + ((draft.rules[o.rule] || {}).name || o.rule) + '": ' + o.why + '. '));
      if (o.source.module) {
        const b = el('button', 'add-source', 'Add a "' + o.source.module + '" source "' + o.source.id + '"');
        b.addEventListener('click', () => {
          if (editing >= 0) keepForm();
          draft.sources.push(clone(o.source));
          openSource(draft.sources.length - 1, o.source);
          row.remove();
        });
        row.appendChild(b);
      }
      $('rules-offers').appendChild(row);
    }
  }

  // The form's rule into the draft (a new one is appended). false when the raw JSON does not parse.
  function keepForm() {
    if (editing < 0) return true;
    const r = formRule();
    if (!r) { $('rules-report').textContent = 'the JSON view does not parse: fix it or switch back to the form'; return false; }
    draft.rules[editing] = r;
    return true;
  }
  function keepSource() {
    if (editingSource >= 0 && !$('source-editor').classList.contains('hidden')) draft.sources[editingSource] = formSource();
  }

  async function post(path, doc) {
    const r = await api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(doc) });
    const j = await r.json().catch(() => ({ ok: false, text: 'HTTP ' + r.status }));
    j.status = r.status;
    return j;
  }
  // Sends the whole console file: checked, written, reloaded. The editor stays open on errors.
  async function save(doc) {
    const report = $('rules-report');
    report.textContent = 'checking …';
    report.className = 'result';
    const j = await post('/api/rules/save', doc);
    showErrors(j);
    if (!j.saved) {
      const n = (j.errors || []).length;
      $('rules-file-raw').value = JSON.stringify(doc, null, 2);  // what was refused, to fix by hand if need be
      report.textContent = j.text || ('not saved: ' + n + ' error(s), shown at their fields; nothing was written');
      report.className = 'result err';
      return false;
    }
    report.textContent = 'saved ' + j.file + (j.backup ? ' (previous version kept as ' + base(j.backup) + ')' : '') +
      '\n' + (j.reload ? j.reload.text : '');
    report.className = 'result ' + (j.reload && j.reload.ok ? 'ok' : 'err');
    $('rule-editor').classList.add('hidden');
    $('source-editor').classList.add('hidden');
    editing = editingSource = -1;
    await refresh(true);
    return true;
  }
  async function saveEditor() {
    if (!keepForm()) return;
    keepSource();
    await save(draft);
  }

  // ---- the list ----
  function renderList() {
    const tb = $('rules-list');
    tb.textContent = '';
    for (const r of list.rules) {
      const tr = el('tr');
      tr.dataset.name = r.name;
      tr.appendChild(el('td', '', r.name));
      tr.appendChild(el('td', r.editable ? '' : 'muted', base(r.file) + (r.editable ? '' : ' (read-only)')));
      tr.appendChild(el('td', r.enabled ? 'ok' : 'muted', r.enabled ? 'enabled' : 'disabled'));
      tr.appendChild(el('td', 'matched', r.matched));
      tr.appendChild(el('td', 'muted', r.last_fired || 'never'));
      const td = el('td', 'row-actions');
      const btn = (text, fn) => { const b = el('button', '', text); b.addEventListener('click', fn); td.appendChild(b); };
      if (r.editable) {
        btn('Edit', () => openEditor(r.index, clone(draft.rules[r.index] || r.rule)));
        btn(r.enabled ? 'Disable' : 'Enable', () => {
          draft.rules[r.index].enabled = !r.enabled;
          if (r.enabled === false) delete draft.rules[r.index].enabled;
          save(draft);
        });
        btn('Delete', () => {
          if (!window.confirm('Delete the rule "' + r.name + '" from ' + base(r.file) + '?')) return;
          draft.rules.splice(r.index, 1);
          save(draft);
        });
      }
      btn(r.editable ? 'Duplicate' : 'Copy to console file', () => {
        const copy = clone(r.rule);
        const names = new Set(list.rules.map((x) => x.name));
        let n = copy.name + ' (copy)';
        for (let k = 2; names.has(n); k++) n = copy.name + ' (copy ' + k + ')';
        copy.name = n;
        openEditor(draft.rules.length, copy);
      });
      tr.appendChild(td);
      tb.appendChild(tr);
    }
    $('rules-empty').classList.toggle('hidden', list.rules.length > 0);
    $('rules-console-file').textContent = list.console_file || '(none: the config has no engine.console)';
    $('rules-config-file').textContent = list.config;
  }
  async function refresh(resetDraft) {
    const r = await api('/api/rules');
    if (!r.ok) return;
    list = await r.json();
    if (resetDraft || !draft) draft = list.console;
    renderList();
    $('rules-file-raw').value = JSON.stringify(draft, null, 2);
  }

  // ---- export / import ----
  function exportRules() {
    const text = JSON.stringify(draft, null, 2) + '\n';
    const a = el('a');
    a.href = 'data:application/json;charset=utf-8,' + encodeURIComponent(text);
    a.download = base(list.console_file) || 'automations.json';
    document.body.appendChild(a);
    a.click();
    a.remove();
    $('rules-file-raw').value = text;
  }
  // Accepts a rule file ({"sources", "rules"}), a list of rules or one rule; names already taken get a suffix.
  async function importText(text) {
    let doc;
    try { doc = JSON.parse(text); } catch (e) { $('rules-report').textContent = 'import: not JSON: ' + e.message; return; }
    const rules = Array.isArray(doc) ? doc : doc.rules ? doc.rules : [doc];
    const sources = (!Array.isArray(doc) && Array.isArray(doc.sources)) ? doc.sources : [];
    const names = new Set(list.rules.map((x) => x.name));
    const ids = new Set(declaredSources());
    for (const r of rules) {
      if (r && typeof r === 'object' && names.has(r.name)) { let k = 2; while (names.has(r.name + ' (' + k + ')')) k++; r.name += ' (' + k + ')'; }
      if (r && r.name) names.add(r.name);
      draft.rules.push(r);
    }
    for (const s of sources) if (!(s && ids.has(s.id))) draft.sources.push(s);
    await save(draft);
  }

  // The form needs the schema: "New rule" waits for it.
  async function show() {
    if (!schema) {
      try {
        const r = await api('/api/rules/schema');
        if (r.ok) schema = await r.json();
      } catch (e) { /* the connection state shows it */ }
    }
    await refresh(!draft);
    $('rules-new').disabled = !schema;
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('rules-new').addEventListener('click', () => openEditor(draft.rules.length, { name: '', when: { event: '' }, do: [{ action: 'log' }] }));
    $('rule-save').addEventListener('click', saveEditor);
    $('rule-check').addEventListener('click', async () => {
      if (!keepForm()) return;
      keepSource();
      const j = await post('/api/rules/check', draft);
      showErrors(j);
      $('rules-report').textContent = j.ok ? 'no errors' : (j.errors || []).length + ' error(s)';
    });
    $('rule-cancel').addEventListener('click', async () => {
      $('rule-editor').classList.add('hidden');
      $('source-editor').classList.add('hidden');
      editing = editingSource = -1;
      clearErrors();
      await refresh(true);
    });
    $('rule-view').addEventListener('click', () => setRaw(!rawMode));
    $('source-save').addEventListener('click', saveEditor);
    $('source-cancel').addEventListener('click', () => {
      if (editingSource >= 0) draft.sources.splice(editingSource, 1);
      editingSource = -1;
      $('source-editor').classList.add('hidden');
    });
    $('rules-export').addEventListener('click', exportRules);
    $('rules-import').addEventListener('change', async (ev) => {
      const f = ev.target.files[0];
      if (f) await importText(await f.text());
      ev.target.value = '';
    });
    $('rules-file-save').addEventListener('click', async () => {
      try { draft = JSON.parse($('rules-file-raw').value); } catch (e) { $('rules-report').textContent = 'not JSON: ' + e.message; return; }
      await save(draft);
    });
    setInterval(() => { if (!$('page-rules').classList.contains('hidden') && editing < 0) refresh(false); }, 2000);
  });

  return { show, importText };
})();
pageHooks.rules = rulesPage.show;
