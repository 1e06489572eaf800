// The web console in real Chromium (playwright-core drives Debian's chromium): load it with the token,
// see a file event and its matched rule appear in the live view, emit an event, screenshot each page.
// Rules: make a rule in the form that reacts to a new file, see a mistake at its field, fix it, save, see
// the reload report, create a file and see the rule fire.
// usage: node browser_test.js URL_WITH_TOKEN WATCH_DIR SHOT_DIR FORM_LOG_AS_HOST FORM_LOG   (run by browser_test.py)
// Exit 0: passed; 1: failed; 77: Chromium cannot run here (reason printed).
'use strict';
const fs = require('fs');
const path = require('path');

const [url, watchDir, shotDir, formLogNative, formLogPath, laterDir] = process.argv.slice(2);
const CHROMIUM = process.env.WEE_CHROMIUM || '/usr/bin/chromium';

async function rulesSteps(page) {
  await page.click('button[data-page="rules"]');
  await page.waitForSelector('#rules-list tr[data-name="new file"]', { timeout: 20000 });
  await page.waitForSelector('#rules-new:not([disabled])', { timeout: 60000 });
  await page.click('#rules-new');
  await page.fill('#rule-form [data-path="name"] input', 'from the form');
  await page.fill('#rule-form [data-path="when.event"] input', 'file.created');
  await page.selectOption('#rule-form [data-path="do[0].target"] select', 'file');
  await page.fill('#rule-form [data-path="do[0].file"] input', formLogNative);
  // The mistake: the log action's required message is left empty.
  await page.click('#rule-save');
  const msgErr = page.locator('#rule-form [data-path="do[0].message"] .field-error');
  await msgErr.waitFor({ state: 'visible', timeout: 60000 });
  const errText = await msgErr.textContent();
  if (!/required/.test(errText)) throw new Error('the message field shows no "required" error: ' + errText);
  if (!(await page.textContent('#rules-report')).includes('not saved'))
    throw new Error('the report does not say that nothing was saved: ' + (await page.textContent('#rules-report')));
  await page.screenshot({ path: path.join(shotDir, 'rules-error.png'), fullPage: true });
  console.log('ok   the mistake is shown at its field: ' + errText.trim());

  await page.fill('#rule-form [data-path="do[0].message"] input', 'form rule saw {{name}}');
  await page.click('#rule-save');
  await page.waitForFunction(() => /reloaded/.test(document.getElementById('rules-report').textContent), null,
    { timeout: 60000 });
  console.log('ok   saved; the page shows the reload report: ' +
    (await page.textContent('#rules-report')).replace(/\n/g, ' | '));
  await page.waitForSelector('#rules-list tr[data-name="from the form"]', { timeout: 20000 });

  // The new rule fires on a new file: in the live view and in the file its log action writes.
  await page.click('button[data-page="live"]');
  await page.waitForTimeout(1000);
  fs.writeFileSync(path.join(watchDir, 'fired-by-the-form.txt'), 'hello');
  const ev = page.locator('.ev', { hasText: 'fired-by-the-form.txt' }).filter({ hasText: 'file.created' }).first();
  await ev.waitFor({ timeout: 30000 });
  const text = await ev.textContent();
  if (!text.includes('rule "from the form"') || !text.includes('log ok'))
    throw new Error('the live view does not show the form\'s rule firing: ' + text);
  const deadline = Date.now() + 30000;
  let logged = '';
  while (Date.now() < deadline && !logged.includes('form rule saw fired-by-the-form.txt')) {
    try { logged = fs.readFileSync(formLogPath, 'utf8'); } catch (e) { /* not written yet */ }
    await page.waitForTimeout(300);
  }
  if (!logged.includes('form rule saw fired-by-the-form.txt')) throw new Error('the rule\'s log line is missing: ' + logged);
  console.log('ok   the rule made in the form fired: live view and its log line');

  // A rule on timer.tick, with no timer source anywhere: the page offers one, in the console's file.
  await page.click('button[data-page="rules"]');
  await page.click('#rules-new');
  await page.fill('#rule-form [data-path="name"] input', 'every hour');
  await page.fill('#rule-form [data-path="when.event"] input', 'timer.tick');
  await page.fill('#rule-form [data-path="do[0].message"] input', 'an hour passed');
  await page.click('#rule-save');
  const offer = page.locator('#rules-offers .add-source', { hasText: 'timer' });
  await offer.waitFor({ timeout: 60000 });
  await offer.click();
  await page.fill('#source-form [data-path="interval_ms"] input', '3600000');
  await page.screenshot({ path: path.join(shotDir, 'rules-source.png'), fullPage: true });
  await page.click('#source-save');
  await page.waitForFunction(() => /1 started/.test(document.getElementById('rules-report').textContent), null,
    { timeout: 60000 });
  console.log('ok   a timer source was offered for timer.tick and saved with it: ' +
    (await page.textContent('#rules-report')).replace(/\n/g, ' | '));

  // Disable, duplicate a read-only rule (the editor opens on a copy), export, import.
  await page.click('#rules-list tr[data-name="every hour"] button:has-text("Disable")');
  await page.waitForFunction(() => {
    const tr = document.querySelector('#rules-list tr[data-name="every hour"]');
    return tr && tr.textContent.includes('disabled');
  }, null, { timeout: 60000 });
  await page.click('#rules-list tr[data-name="new file"] button:has-text("Copy to console file")');
  const copyName = await page.inputValue('#rule-form [data-path="name"] input');
  if (copyName !== 'new file (copy)') throw new Error('the copy of a read-only rule is named ' + copyName);
  await page.click('#rule-cancel');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rules-export')]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  const exportedNames = exported.rules.map((r) => r.name).join(', ');
  if (exportedNames !== 'from the form, every hour' || exported.sources[0].module !== 'timer' || exported.rules[1].enabled !== false)
    throw new Error('the export is not the console\'s file: ' + JSON.stringify(exported));
  await page.setInputFiles('#rules-import', { name: 'one-rule.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ name: 'from the form', when: { event: 'custom.imported' },
      do: [{ action: 'log', message: 'imported' }] })) });
  await page.waitForSelector('#rules-list tr[data-name="from the form (2)"]', { timeout: 60000 });
  console.log('ok   disable, copy of a read-only rule, export (' + exportedNames + ') and import (renamed "from the form (2)")');

  // Back on the Rules page: its count and last-fired time.
  await page.waitForFunction(() => {
    const td = document.querySelector('#rules-list tr[data-name="from the form"] td.matched');
    return td && Number(td.textContent) >= 1;
  }, null, { timeout: 20000 });
  await page.screenshot({ path: path.join(shotDir, 'rules.png'), fullPage: true });
  console.log('ok   the Rules page counts the new rule');
}

async function main() {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    console.log('SKIP: playwright-core is not installed (tools/install-deps.sh installs it): ' + e.message);
    return 77;
  }
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (e) {
    console.log('SKIP: Chromium cannot run here: ' + e.message.split('\n')[0]);
    return 77;
  }
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    // A refused rule save is answered 422 on purpose (its errors are in the body); Chromium logs that.
    page.on('console', (m) => {
      if (m.type() === 'error' && !(/status of 422/.test(m.text()) && /\/api\/rules\/save$/.test(m.location().url || '')))
        errors.push('console error: ' + m.text() + ' ' + (m.location().url || ''));
    });
    await page.goto(url);
    // Dashboard: the figures arrive from /api/status with the token from the URL fragment.
    await page.waitForFunction(() => document.getElementById('conn').textContent === 'connected', null, { timeout: 20000 });
    await page.waitForFunction(() => Number(document.getElementById('processed').textContent) >= 1, null, { timeout: 20000 });
    if (page.url().includes('token=')) throw new Error('the token stayed in the address bar: ' + page.url());
    const source = await page.textContent('#sources');
    if (!source.includes('inbox')) throw new Error('the dashboard lists no source "inbox": ' + source);
    console.log('ok   dashboard shows the figures and the source');

    // Live events: a new file shows up with the rule it matched and the action's result.
    await page.click('button[data-page="live"]');
    await page.waitForTimeout(1000);  // the stream is connected
    fs.writeFileSync(path.join(watchDir, 'from-the-browser-test.txt'), 'hello');
    const ev = page.locator('.ev', { hasText: 'from-the-browser-test.txt' }).first();
    await ev.waitFor({ timeout: 30000 });
    const text = await ev.textContent();
    if (!text.includes('file.created') || !text.includes('rule "new file"') || !text.includes('log ok'))
      throw new Error('the live event lacks its type, rule or action result: ' + text);
    await page.screenshot({ path: path.join(shotDir, 'live.png'), fullPage: true });
    console.log('ok   live view shows the file event, its rule and "log ok"');

    // Emit: the event is accepted and appears in the live view.
    await page.click('button[data-page="emit"]');
    await page.fill('#emit-type', 'custom.ping');
    await page.fill('#emit-fields', 'n=42\nwho=browser');
    await page.click('#emit-send');
    await page.waitForFunction(() => document.getElementById('emit-result').textContent.startsWith('emitted custom.ping'),
      null, { timeout: 20000 });
    await page.screenshot({ path: path.join(shotDir, 'emit.png'), fullPage: true });
    await page.click('button[data-page="live"]');
    await page.locator('.ev', { hasText: 'custom.ping' }).first().waitFor({ timeout: 20000 });
    console.log('ok   emit accepted and seen in the live view');

    await rulesSteps(page);

    // An action's result in the live view: the exit code and the error of a program that exits 3.
    await page.click('button[data-page="emit"]');
    await page.fill('#emit-type', 'custom.fail');
    await page.fill('#emit-fields', 'why=exit-code');
    await page.click('#emit-send');
    await page.waitForFunction(() => document.getElementById('emit-result').textContent.startsWith('emitted custom.fail'),
      null, { timeout: 20000 });
    await page.click('button[data-page="live"]');
    const failed = page.locator('.ev', { hasText: 'custom.fail' }).first();
    await failed.waitFor({ timeout: 30000 });
    await page.waitForFunction(() => /exit_code=3/.test(document.getElementById('stream').textContent), null, { timeout: 20000 });
    const ftext = await failed.textContent();
    if (!ftext.includes('rule "fails"') || !ftext.includes('exec failed: ') || !ftext.includes('exited with code 3'))
      throw new Error('the live event lacks the failed action, its error or exit code: ' + ftext);
    await page.screenshot({ path: path.join(shotDir, 'live-results.png'), fullPage: true });
    console.log('ok   live view shows the failed action with its error and exit_code=3');

    // Back on the dashboard: the rule's count and the chart have data now.
    await page.click('button[data-page="dashboard"]');
    await page.waitForFunction(() => document.getElementById('rules').textContent.includes('new file'), null, { timeout: 20000 });
    await page.waitForTimeout(2500);  // one more poll draws a rate on the chart
    await page.screenshot({ path: path.join(shotDir, 'dashboard.png'), fullPage: true });
    console.log('ok   dashboard counts the rule that fired');

    // Event tester: pick the file event from the live view, see each rule's verdict with its reason and
    // the action's rendered arguments; then run the actions.
    await page.click('button[data-page="live"]');
    await page.locator('.ev', { hasText: 'from-the-browser-test.txt' }).first().locator('button.pick').click();
    await page.waitForFunction(() => document.getElementById('t-summary').textContent.includes('matched'), null, { timeout: 20000 });
    let rep = await page.textContent('#t-out');
    if (!rep.includes('new file') || !rep.includes('created from-the-browser-test.txt') ||
        !rep.includes('event type "file.created" does not match "custom.ping"'))
      throw new Error('the tester lacks the verdicts, the reason or the rendered message: ' + rep);
    console.log('ok   a live event picked into the tester: verdicts, reasons, rendered arguments');
    await page.fill('#t-json', '{"type": "custom.ping", "n": 7}');
    await page.check('#t-run');
    await page.click('#t-test');
    await page.waitForFunction(() => document.getElementById('t-summary').textContent.includes('actions run'), null, { timeout: 20000 });
    rep = await page.textContent('#t-out');
    if (!rep.includes('ping 7') || !rep.includes('→ ok')) throw new Error('the run did not report the action ok: ' + rep);
    await page.uncheck('#t-run');
    await page.screenshot({ path: path.join(shotDir, 'tester.png'), fullPage: true });
    console.log('ok   the tester ran the actions and shows their result');

    // Sources and modules: the source with its state, a restart, a module's option docs.
    await page.click('button[data-page="sources"]');
    await page.waitForFunction(() => /inbox.*running/.test(document.getElementById('src-rows').textContent), null, { timeout: 20000 });
    await page.click('button[data-source="inbox"]');
    await page.waitForFunction(() => document.getElementById('src-result').textContent.includes("source 'inbox' (file) restarted"),
      null, { timeout: 20000 });
    // A source whose folder did not exist at start: not running, with the module's reason, and a Start
    // button that works once the folder is there (no reload).
    // (the restart above reloads the table: wait for it rather than read it mid-way)
    await page.waitForFunction(() => /later.*not running.*is not an existing folder/.test(document.getElementById('src-rows').textContent),
      null, { timeout: 20000 }).catch(async () => {
      throw new Error('the failed source lacks its state or reason: ' + await page.textContent('#src-rows'));
    });
    await page.screenshot({ path: path.join(shotDir, 'sources-failed.png'), fullPage: true });
    fs.mkdirSync(laterDir);
    await page.click('button[data-source="later"]');
    await page.waitForFunction(() => document.getElementById('src-result').textContent.includes("source 'later' (file) started"),
      null, { timeout: 20000 });
    await page.waitForFunction(() => !/not running/.test(document.getElementById('src-rows').textContent), null, { timeout: 20000 });
    console.log('ok   a failed source shows why, and starts from the page once its folder exists');
    await page.click('button[data-module="exec"]');
    await page.waitForFunction(() => /exec .*ABI/.test(document.getElementById('mod-doc').textContent), null, { timeout: 20000 });
    const doc = await page.textContent('#mod-doc');
    if (!doc.includes('command') || !doc.includes('required') || !doc.includes('timeout_ms'))
      throw new Error('the module page lacks the option docs: ' + doc);
    await page.screenshot({ path: path.join(shotDir, 'sources.png'), fullPage: true });
    console.log('ok   sources page: state, restart, module option docs');

    // Without the token the page says how to get one, and the API refuses it.
    const bare = await browser.newPage();
    await bare.goto(url.split('#')[0]);
    await bare.waitForSelector('#notoken:not(.hidden)', { timeout: 20000 });
    await bare.screenshot({ path: path.join(shotDir, 'no-token.png') });
    console.log('ok   without the token the page explains how to get one');
    if (errors.length) throw new Error(errors.join('\n'));
    return 0;
  } catch (e) {
    console.log('FAIL ' + e.message);
    if (errors.length) console.log(errors.join('\n'));
    return 1;
  } finally {
    await browser.close();
  }
}

main().then((rc) => process.exit(rc), (e) => { console.log('FAIL ' + e); process.exit(1); });
