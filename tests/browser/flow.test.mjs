// Fieldline in a real browser: playwright-core drives Debian's Chromium through the web app that
// the gateway serves, against the real broker, services and gateway started by ./harness.mjs.
//   node --test flow.test.mjs            (FIELDLINE_BUILD_DIR=<build dir>, default ../../build)
// Screenshots of every step go to <build dir>/browser-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Platform, REPO } from './harness.mjs';

const BUILD = path.resolve(process.env.FIELDLINE_BUILD_DIR || path.join(REPO, 'build'));
const ARTIFACTS = path.join(BUILD, 'browser-artifacts');
const CHROMIUM = process.env.FIELDLINE_CHROMIUM || '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };

let platform;
let browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  platform = new Platform(BUILD);
  try {
    await platform.start();
  } catch (e) {
    await platform.stop();
    throw e;
  }
  // launch() gives Chromium a fresh, empty user-data-dir of its own (deleted on close); each
  // role below gets its own context (its own storage, its own service worker).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

// On a failure, every page still open is photographed (FAIL-*.png) before it is closed.
async function failureShots() {
  let i = 0;
  for (const p of openPages) {
    try { await p.screenshot({ path: path.join(ARTIFACTS, `FAIL-${++i}.png`), fullPage: true }); } catch { /* closed */ }
  }
}

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  if (platform) {
    await platform.stop();
    const failed = process.exitCode && process.exitCode !== 0;
    if (failed) process.stderr.write(platform.tails());
    fs.writeFileSync(path.join(ARTIFACTS, 'platform-logs.txt'), platform.tails());
    platform.cleanup();
  }
});

let shotNo = 0;
async function shot(page, name) {
  shotNo++;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const openPages = new Set();
async function newPage(opts = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...opts });
  const page = await context.newPage();
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  return { context, page };
}

async function login(page, username, password = `demo-${username}`) {
  await page.goto(platform.url + '/');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.locator('#logout').waitFor({ state: 'visible' });
}

// Polls `check` (which throws or returns falsy while not yet true), running `poke` between tries.
async function eventually(what, check, poke, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try { const v = await check(); if (v) return v; } catch (e) { last = e; }
    if (poke) await poke();
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

test('a wrong password shows the error; the language switch changes the texts', async () => {
  const { context, page } = await newPage();
  try {
    await page.goto(platform.url + '/');
    await assert.doesNotReject(page.getByTestId('login-username').waitFor());
    assert.equal(await page.locator('main h1').textContent(), 'Log in');
    await page.getByTestId('login-username').fill('dispatcher');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    const err = page.locator('[data-error-for="password"]');
    await err.waitFor({ state: 'visible' });
    assert.ok((await err.textContent()).trim().length > 0, 'the refusal is shown next to the password');
    await shot(page, 'login-wrong-password');

    await page.getByTestId('lang-switch').click();
    await page.locator('main h1', { hasText: '登录' }).waitFor();
    assert.equal(await page.getByTestId('login-submit').textContent(), '登录');
    await shot(page, 'login-chinese');
    // Remembered: a reload keeps Chinese.
    await page.reload();
    await page.locator('main h1', { hasText: '登录' }).waitFor();
    await page.getByTestId('lang-switch').click();
    await page.locator('main h1', { hasText: 'Log in' }).waitFor();
  } finally {
    await context.close();
  }
});

test('intake → dispatch → technician offline → warehouse → care → manager', async () => {
  try { await flow(); } catch (e) { await failureShots(); throw e; }
});

async function flow() {
  const phone = `139${String(Date.now()).slice(-8)}`;
  const name = '浏览器 Browser-Test';

  // The manager's KPI before.
  const mgr = await newPage();
  await login(mgr.page, 'manager');
  await mgr.page.goto(`${platform.url}/#/manager`);
  const ratio = mgr.page.getByTestId('kpi-callback_success-ratio');
  await ratio.waitFor();
  const before = (await ratio.textContent()).trim();
  const [numBefore] = before.split('/').map((x) => Number(x.trim()));
  await shot(mgr.page, 'manager-before');

  // 1. Intake: look the phone up (unknown), register the customer, open a ticket.
  const { context: ic, page: intake } = await newPage();
  await login(intake, 'intake');
  await intake.goto(`${platform.url}/#/intake`);
  await intake.getByTestId('lookup-phone').fill(phone);
  await intake.getByTestId('lookup').click();
  const reg = intake.getByTestId('register-form');
  await reg.waitFor();
  // The service's refusal lands next to the field it names.
  await intake.getByTestId('register').click();
  await intake.locator('[data-testid="register-form"] [data-error-for="name"]:not(:empty)').waitFor();
  await shot(intake, 'intake-error-next-to-field');
  await reg.locator('input[name="name"]').fill(name);
  await reg.locator('input[name="address"]').fill('青岛市市南区香港中路 10 号');
  await reg.locator('input[name="lat"]').fill('36.066');
  await reg.locator('input[name="lng"]').fill('120.383');
  await intake.getByTestId('register').click();
  await intake.getByTestId('customer-card').waitFor();
  // Their washing machine, installed today: in warranty (三包).
  await intake.locator('details:has([data-testid="asset-form"]) summary').click();
  const assetForm = intake.getByTestId('asset-form');
  await assetForm.locator('input[name="model"]').fill('XQG80-B');
  await assetForm.locator('input[name="serial"]').fill(`SN${phone}`);
  await assetForm.locator('select[name="category"]').selectOption('washing-machine');
  await assetForm.locator('input[name="installed_on"]').fill(new Date().toLocaleDateString('sv'));
  await assetForm.locator('button[type="submit"]').click();
  const form = intake.getByTestId('ticket-form');
  await form.locator('select[name="asset_id"] option', { hasText: 'XQG80-B' }).waitFor({ state: 'attached' });
  await form.locator('select[name="asset_id"]').selectOption({ index: 1 });
  await form.locator('select[name="fault_cause"]').selectOption('product_fault');
  await form.locator('select[name="category"]').selectOption('washing-machine');
  await form.locator('textarea[name="symptom"]').fill('不排水 / does not drain');
  await form.locator('input[name="parts_needed"]').fill('SEAL-040:1');
  await intake.getByTestId('open-ticket').click();
  const ticketId = (await intake.getByTestId('ticket-id').textContent()).trim();
  assert.match(ticketId, /\S+/);
  assert.match(await intake.getByTestId('ticket-result').textContent(), /free — in warranty/);
  await shot(intake, 'intake-ticket-opened');
  await ic.close();

  // 2. Dispatcher: the new job shows in the queue; recommendations; drag it onto T01.
  const { context: dc, page: board } = await newPage({ viewport: { width: 1400, height: 1800 } });
  await login(board, 'dispatcher');
  await board.goto(`${platform.url}/#/dispatch`);
  await board.getByTestId('live').locator('.dot.on').waitFor();
  const card = board.locator(`li.qjob[data-ticket="${ticketId}"]`);
  await eventually('the job in the queue', () => card.isVisible(), null, 30000);
  // The card shows intake's SLA clock: a risk class and a due time (not a guess from the job's age).
  const slaChip = card.getByTestId('sla');
  assert.notEqual(await slaChip.getAttribute('data-risk'), 'unknown', await slaChip.textContent());
  assert.ok(Date.parse(await slaChip.getAttribute('data-due')) > Date.now() - 3600e3, 'a due time from intake');
  assert.match(await slaChip.textContent(), /due/);
  await card.click();
  await board.locator('[data-testid="recommendations"] li.rec').first().waitFor();
  await shot(board, 'dispatch-recommendations');
  const jobId = await card.getAttribute('data-job');
  // A real drag with the mouse: press on the card, move onto T01's timeline, release (Chromium
  // fires dragstart → dragover → drop itself). The card is scrolled into view inside the queue and
  // the tall viewport keeps the timelines on screen.
  await card.scrollIntoViewIfNeeded();
  const target = board.locator('.tl-row[data-tech="T01"]');
  await target.locator('.tl-track').scrollIntoViewIfNeeded();
  await card.scrollIntoViewIfNeeded();
  await card.dragTo(target.locator('.tl-track'));
  await board.locator(`.tl-row[data-tech="T01"] [data-job="${jobId}"]`).waitFor();
  assert.equal(await board.locator(`li.qjob[data-job="${jobId}"]`).count(), 0, 'gone from the queue');
  await shot(board, 'dispatch-assigned-to-T01');

  // 3. Technician T01 on a phone: accept and go online; arrive, report, sign and complete offline.
  const { context: tc, page: firstPhonePage } = await newPage({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  let phonePage = firstPhonePage;
  await login(phonePage, 'technician');
  await phonePage.goto(`${platform.url}/#/tech`);
  const job = phonePage.locator(`li.job[data-job="${jobId}"]`);
  await job.waitFor();
  await job.locator('.job-head').click();
  await job.locator('[data-action="AcceptJob"]').click();
  await job.locator('[data-testid="job-state"]', { hasText: 'accepted' }).waitFor();
  await job.locator('[data-action="MarkEnRoute"]').click();
  await job.locator('[data-testid="job-state"]', { hasText: 'on the way' }).waitFor();
  await shot(phonePage, 'tech-en-route');
  await phonePage.evaluate(() => navigator.serviceWorker.ready);  // the shell is cached for offline

  await tc.setOffline(true);
  await job.locator('[data-action="MarkArrived"]').click();
  let net = phonePage.getByTestId('net-indicator');
  await phonePage.locator('[data-testid="net-indicator"]', { hasText: '1 updates waiting' }).waitFor();
  for (const box of await job.locator('.checklist input[type="checkbox"]').all()) await box.check();
  await job.locator('input[name="fault_type"]').fill('drain blocked');
  await job.locator('input[name="cause"]').fill('worn door seal');
  await job.locator('textarea[name="solution"]').fill('replaced the door seal');
  await job.locator('select[name="fee_item"]').selectOption('repair-labour');
  const pad = job.getByTestId('signature');
  const b = await pad.boundingBox();
  await phonePage.mouse.move(b.x + 20, b.y + b.height / 2);
  await phonePage.mouse.down();
  for (let i = 1; i <= 10; i++) await phonePage.mouse.move(b.x + 20 + i * (b.width - 40) / 10, b.y + b.height / 2 + (i % 2 ? 15 : -15));
  await phonePage.mouse.up();
  await job.locator('input[name="signer_name"]').fill(name);
  assert.equal(await job.getByTestId('parts-used').inputValue(), 'SEAL-040:1');
  await job.locator('textarea[name="resolution"]').fill('fixed');
  await job.locator('[data-action="CompleteJob"]').click();
  await phonePage.locator('[data-testid="net-indicator"]', { hasText: '3 updates waiting' }).waitFor();
  assert.match(await net.textContent(), /Offline/);
  await job.locator('[data-testid="job-state"]', { hasText: 'completed' }).waitFor();
  await shot(phonePage, 'tech-offline-3-waiting');
  const queued = await phonePage.evaluate(() => JSON.parse(localStorage.getItem('fieldline.outbox') || '[]').map((o) => [o.method, o.request_id]));
  assert.deepEqual(queued.map(([m]) => m), ['MarkArrived', 'ReportWork', 'CompleteJob']);

  // The tab is closed while still offline; a new one opens the app from the service worker and
  // the phone's copy: the three updates still wait, in order, with the same request ids.
  await phonePage.close();
  phonePage = await tc.newPage();
  await phonePage.goto(`${platform.url}/#/tech`);
  net = phonePage.getByTestId('net-indicator');
  await phonePage.locator('[data-testid="net-indicator"]', { hasText: '3 updates waiting' }).waitFor();
  await phonePage.reload();
  await phonePage.locator('[data-testid="net-indicator"]', { hasText: '3 updates waiting' }).waitFor();
  assert.deepEqual(await phonePage.evaluate(() => JSON.parse(localStorage.getItem('fieldline.outbox') || '[]').map((o) => [o.method, o.request_id])), queued);
  await phonePage.locator(`li.job[data-job="${jobId}"] [data-testid="job-state"]`, { hasText: 'completed' }).waitFor();
  await shot(phonePage, 'tech-offline-new-tab-still-waiting');

  await tc.setOffline(false);
  await net.waitFor({ state: 'hidden', timeout: 30000 });
  assert.equal(await phonePage.getByTestId('conflicts').count(), 0, 'no conflicts');
  await phonePage.locator(`li.job[data-job="${jobId}"] [data-testid="job-state"]`, { hasText: 'completed' }).waitFor();
  assert.equal(await phonePage.evaluate(() => JSON.parse(localStorage.getItem('fieldline.outbox') || '[]').length), 0);
  await shot(phonePage, 'tech-synced');
  await tc.close();

  // 4. Warehouse: T01's van shows the seal consumed (3 → 2) and on the restock list.
  const { context: wc, page: wh } = await newPage({ viewport: { width: 1280, height: 1000 } });
  await login(wh, 'warehouse');
  await wh.goto(`${platform.url}/#/warehouse`);
  await wh.getByTestId('stock-location').selectOption('VAN-T01');
  await eventually('the van\'s seal stock to drop to 2',
    async () => (await wh.locator('[data-testid="stock"] tr[data-sku="SEAL-040"] [data-col="on_hand"]').textContent()).trim() === '2',
    async () => { await wh.getByTestId('stock').getByRole('button', { name: 'Refresh' }).click(); await wh.getByTestId('stock-location').selectOption('VAN-T01'); });
  await wh.getByTestId('van-select').selectOption('VAN-T01');
  await wh.getByTestId('van-restock-show').click();
  await wh.locator('[data-testid="van-restock"] tr[data-sku="SEAL-040"] [data-col="used"]', { hasText: '1' }).waitFor();
  await shot(wh, 'warehouse-van-consumption');
  await wc.close();

  // 5. Care: the callback is due; take it, read the script, record "reached" with the survey.
  const { context: cc, page: care } = await newPage({ viewport: { width: 1280, height: 1000 } });
  await login(care, 'care');
  await care.goto(`${platform.url}/#/care`);
  const take = care.locator(`li.cb[data-ticket="${ticketId}"] button`);
  await eventually('the callback in the pool', () => take.isVisible(), () => care.reload(), 30000);
  await take.click();
  await care.getByTestId('call').locator('[data-outcome="REACHED"]').waitFor();
  await care.getByTestId('call').locator('input[name="attitude"][value="4"]').check();
  await shot(care, 'care-call-script');
  await care.getByTestId('call').locator('[data-outcome="REACHED"]').click();
  await care.locator('.banner.ok').waitFor();
  assert.equal(await care.locator(`[data-testid="due-callbacks"] li.cb[data-ticket="${ticketId}"]`).count(), 0, 'no longer due');
  await shot(care, 'care-recorded');

  // The customer complained (registered at intake); care finds it, notes a step, and closes it
  // when the customer is satisfied.
  const intakeApi = await apiAs('intake');
  const cust = await intakeApi('intake', 'FindCustomerByPhone', { phone });
  const complaint = await intakeApi('intake', 'RegisterComplaint', { request_id: `browser-complaint-${phone}`, kind: 'complaint',
    channel: 'phone', customer_id: cust.customer_id, ticket_id: ticketId, technician_id: 'T01', category: 'service',
    description: '师傅迟到了 / the technician came late' });
  const complaintId = complaint.aggregate_id;
  // Every open complaint is listed (intake's ListComplaints), this one among them.
  await care.reload();
  const cform = care.locator(`form[data-complaint="${complaintId}"]`);
  await cform.waitFor();
  await cform.locator('select[name="step"]').selectOption('apologise');
  await cform.locator('input[name="text"]').fill('apologised; the customer accepts');
  await cform.getByTestId('complaint-note').click();
  // The list is read again (every open complaint, from intake's ListComplaints) with the note.
  await care.locator(`form[data-complaint="${complaintId}"] li`, { hasText: 'apologised' }).waitFor();
  await shot(care, 'care-complaint-noted');
  await care.locator(`form[data-complaint="${complaintId}"]`).getByTestId('complaint-close').click();
  await eventually('the complaint closed', async () => (await intakeApi('intake', 'GetComplaint', { complaint_id: complaintId })).closed === true, null, 15000);
  await care.locator(`form[data-complaint="${complaintId}"]`).waitFor({ state: 'detached' });  // no longer listed
  await cc.close();

  // 6. Manager: the callback success KPI moved.
  await eventually('the callback KPI to move', async () => {
    const [n] = (await ratio.textContent()).trim().split('/').map((x) => Number(x.trim()));
    return n === numBefore + 1;
  }, async () => { await mgr.page.getByTestId('kpi-refresh').click(); await mgr.page.waitForTimeout(300); });
  await shot(mgr.page, 'manager-after');
  // The SLA panel counts from intake's clocks.
  assert.match((await mgr.page.getByTestId('sla-breached').textContent()).trim(), /^\d+$/);
  assert.match((await mgr.page.getByTestId('sla-warned').textContent()).trim(), /^\d+$/);
  await mgr.page.getByTestId('early-warnings').locator('h2').waitFor();
  // The monthly report as a printable page (with charts), as it prints.
  await mgr.page.getByTestId('report-show').click();
  await mgr.page.locator('[data-testid="report"] article.printable svg.chart').first().waitFor();
  await mgr.page.emulateMedia({ media: 'print' });
  assert.equal(await mgr.page.locator('header#top').isVisible(), false, 'no header on paper');
  assert.equal(await mgr.page.getByTestId('kpis').isVisible(), false, 'only the report prints');
  await shot(mgr.page, 'manager-report-print');
  await mgr.page.emulateMedia({ media: 'screen' });
  // The access token ended: the app renews it silently with the refresh token (no login page).
  const oldToken = await mgr.page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('fieldline.session'));
    const tok = s.token;
    s.expires_at = new Date(Date.now() - 1000).toISOString();
    localStorage.setItem('fieldline.session', JSON.stringify(s));
    return tok;
  });
  await mgr.page.getByTestId('kpi-refresh').click();
  await eventually('a new access token', async () => (await mgr.page.evaluate(() => JSON.parse(localStorage.getItem('fieldline.session') || '{}').token)) !== oldToken, null, 10000);
  await mgr.page.getByTestId('kpi-callback_success-ratio').waitFor();
  assert.equal(await mgr.page.getByTestId('login-submit').count(), 0, 'still signed in');
  await mgr.context.close();
}

// The gateway's API, as the test's own client (to set up and to disturb a scenario).
async function apiAs(username) {
  const res = await fetch(`${platform.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: `demo-${username}` }) });
  assert.equal(res.status, 200, `login of ${username}`);
  const { token } = await res.json();
  return async (service, method, body) => {
    const r = await fetch(`${platform.url}/api/v1/${service}/${method}`, { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const data = await r.json();
    if (!r.ok) throw new Error(`${method}: ${r.status} ${JSON.stringify(data)}`);
    return data;
  };
}

test('an update refused on replay is shown to the technician as a conflict; the app opens offline', async () => {
  const dispatcher = await apiAs('dispatcher');
  const tech = await dispatcher('scheduling', 'GetTechnician', { technician_id: 'T01' });
  const { jobs } = await dispatcher('scheduling', 'ListJobs', { state: 'JOB_STATE_UNASSIGNED', page_size: 500 });
  const job = jobs.find((j) => tech.skills.includes(j.required_skill));
  assert.ok(job, 'an unassigned job T01 can take');
  await dispatcher('scheduling', 'AssignJob', { request_id: `browser-${job.job_id}`, job_id: job.job_id, technician_id: 'T01' });

  const { context, page } = await newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
  try {
    await login(page, 'technician');
    await page.goto(`${platform.url}/#/tech`);
    const item = page.locator(`li.job[data-job="${job.job_id}"]`);
    await item.waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready);
    await context.setOffline(true);
    // Offline, the app shell comes from the service worker and the day from the phone's copy.
    await page.reload();
    await item.waitFor();
    await item.locator('.job-head').click();
    await item.locator('[data-action="AcceptJob"]').click();
    await page.locator('[data-testid="net-indicator"]', { hasText: '1 updates waiting' }).waitFor();
    await shot(page, 'tech-offline-accept-queued');
    // Meanwhile the office takes the job back.
    await dispatcher('scheduling', 'UnassignJob', { request_id: `browser-un-${job.job_id}`, job_id: job.job_id, reason: 'customer asked for another day' });
    await context.setOffline(false);
    const conflicts = page.getByTestId('conflicts');
    await conflicts.waitFor({ timeout: 30000 });
    assert.match(await conflicts.textContent(), new RegExp(job.job_id));
    await page.getByTestId('net-indicator').waitFor({ state: 'hidden' });
    await shot(page, 'tech-conflict-shown');
    const recorded = await dispatcher('scheduling', 'ListSyncConflicts', { page_size: 50 });
    assert.ok((recorded.conflicts || []).some((c) => c.job_id === job.job_id), 'the dispatcher sees it too');
  } finally {
    await context.close();
  }
});

test('the live board survives a gateway restart: nothing missed, nothing repeated', async () => {
  const dispatcher = await apiAs('dispatcher');
  const { jobs } = await dispatcher('scheduling', 'ListJobs', { state: 'JOB_STATE_UNASSIGNED', page_size: 500 });
  const { technicians } = await dispatcher('scheduling', 'ListTechnicians', { page_size: 500 });
  let pick = null;
  for (const j of jobs) {
    const tech = technicians.find((x) => x.technician_id !== 'T01' && (x.skills || []).includes(j.required_skill));
    if (tech) { pick = { job: j, tech }; break; }
  }
  assert.ok(pick, 'an unassigned job and a technician who can take it');
  const { context, page } = await newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    await login(page, 'dispatcher');
    await page.goto(`${platform.url}/#/dispatch`);
    const live = page.getByTestId('live');
    await live.locator('.dot.on').waitFor();
    // Every scheduling event once: the count seen equals the last (gapless) position.
    const settled = async () => {
      const pos = Number(await live.getAttribute('data-position'));
      const count = Number(await live.getAttribute('data-events'));
      return pos > 0 && pos === count ? pos : 0;
    };
    const before = await eventually('the board to catch up', settled, null, 30000);

    await platform.stopGateway();
    await live.locator('.dot.reconnecting').waitFor();
    // While the board is cut off, the job is assigned behind its back (straight to the service).
    await platform.ctl(['--role', 'dispatcher', 'job', 'assign', '--ticket', pick.job.ticket_id, '--technician', pick.tech.technician_id]);
    await platform.startGateway(platform.ports.gateway);

    const after = await eventually('the board to resume after the restart', async () => {
      const p = await settled();
      return p > before ? p : 0;
    }, null, 60000);
    assert.ok(after > before);
    await page.locator(`.tl-row[data-tech="${pick.tech.technician_id}"] [data-job="${pick.job.job_id}"]`).waitFor();
    await shot(page, 'dispatch-after-gateway-restart');
  } finally {
    await context.close();
  }
});

test('the optimiser: preview a territory\'s day with reasons, then commit it', async () => {
  const dispatcher = await apiAs('dispatcher');
  await dispatcher('scheduling', 'RegisterTechnician', {
    request_id: 'browser-T90', technician_id: 'T90', name: '优化 Optimiser-Test', phone: '13900000090',
    skills: ['refrigerator', 'washing-machine', 'air-conditioner', 'water-heater', 'television'],
    home_base: { lat: 36.0671, lng: 120.3826 }, van_location_id: 'VAN-T01',
    territory: { name: 'Browser-Centre', center: { lat: 36.0671, lng: 120.3826 }, radius_km: 6 },
  });
  const { context, page } = await newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    await login(page, 'dispatcher');
    await page.goto(`${platform.url}/#/dispatch`);
    const preview = page.getByTestId('plan-preview');
    await preview.waitFor();
    assert.equal(await preview.isDisabled(), false, 'the gateway offers PreviewPlan / CommitPlan');
    await page.locator('input[name="territory"]').fill('Browser-Centre');
    await page.locator('input[name="time_limit_seconds"]').fill('1');
    await preview.click();
    const plan = page.locator('.plan-view');
    await plan.waitFor({ timeout: 30000 });
    assert.match(await plan.textContent(), /T90/);
    await shot(page, 'dispatch-plan-preview');
    await page.getByTestId('plan-commit').click();
    await page.locator('.banner.ok', { hasText: 'committed' }).waitFor({ timeout: 30000 });
    await shot(page, 'dispatch-plan-committed');
  } finally {
    await context.close();
  }
});

test('admin: staff accounts and the login history shows the refused attempt', async () => {
  const { context, page } = await newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await login(page, 'admin');
    await page.goto(`${platform.url}/#/admin`);
    const row = page.locator('tr[data-user="dispatcher"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Login history' }).click();
    const history = page.locator('section', { hasText: 'Login history · dispatcher' });
    await history.locator('td', { hasText: '✗' }).first().waitFor();
    await history.locator('td', { hasText: '✓' }).first().waitFor();
    await shot(page, 'admin-login-history');
  } finally {
    await context.close();
  }
});
