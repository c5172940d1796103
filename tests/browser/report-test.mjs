// Opens a spoor HTML report in headless Chromium and checks it against
// `spoor scope --format json` of the same case:
//   node report-test.mjs REPORT.html SCOPE.json SCREENSHOT.png
// Exit 0 when every check holds, 1 otherwise.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [report, scopeFile, shot] = process.argv.slice(2);
const scope = JSON.parse(readFileSync(scopeFile, 'utf8'));
let failed = 0;
const check = (cond, what) => {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failed++;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(report).href);
  check(requests.length === 0, `no network request (${requests.join(' ')})`);
  check(errors.length === 0, `no script error (${errors.join(' ')})`);

  // the summary figures are scope's
  const s = scope.summary;
  const figures = {
    'sum-alerts': s.alerts, 'sum-agencies': s.agencies, 'sum-providers': s.providers,
    'sum-mailboxes': s.mailboxes, 'sum-hosts': s.hosts, 'sum-accounts': s.accounts,
    'sum-actors': s.actors, 'sum-bytes': s.bytes_taken, 'sum-items': s.items_taken,
  };
  for (const [id, want] of Object.entries(figures)) {
    const got = await page.getAttribute('#' + id, 'data-value');
    check(Number(got) === want, `${id} = ${got}, scope says ${want}`);
  }

  // every chart renders: a non-empty SVG with the marks it announces
  const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((g) => {
    const box = g.getBoundingClientRect();
    return { id: g.id, marks: Number(g.dataset.marks), drawn: g.querySelectorAll('.mark').length,
             w: box.width, h: box.height };
  }));
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  for (const id of ['chart-timeline', 'chart-chain', 'chart-heatmap', 'chart-taken', 'chart-graph']) {
    const c = byId[id];
    check(c && c.w > 0 && c.h > 0, `${id} has a size (${c && c.w}x${c && c.h})`);
    check(c && c.drawn === c.marks, `${id} draws the ${c && c.marks} marks it announces (${c && c.drawn})`);
  }
  check(byId['chart-heatmap'] && byId['chart-heatmap'].drawn === 168, 'heat map: 7 x 24 cells');
  const mailboxes = scope.data_taken.filter((t) => t.kind === 'mailbox').length;
  check(byId['chart-taken'] && byId['chart-taken'].drawn === Math.min(mailboxes, 20),
    `data-taken chart: one bar per mailbox (${mailboxes})`);
  const tactics = new Set(scope.kill_chain.map((k) => k.agency + '|' + k.tactic)).size;
  check(byId['chart-chain'] && byId['chart-chain'].drawn === tactics, `kill-chain chart: ${tactics} marks`);
  const bars = await page.$$eval('#chart-timeline .mark title', (t) => t.map((x) => x.textContent));
  const total = bars.reduce((a, t) => a + Number(t.split(': ').pop()), 0);
  check(total === s.alerts, `timeline bars add up to the alerts (${total})`);

  // a table filter works
  const table = '#table-entities';
  const all = await page.$$eval(`${table} tbody tr`, (r) => r.length);
  const first = scope.entities.length ? scope.entities[scope.entities.length - 1].value : '';
  await page.fill(`input[aria-label="filter table-entities"]`, first);
  const shown = await page.$$eval(`${table} tbody tr`, (r) => r.filter((x) => x.style.display !== 'none').length);
  check(all === scope.entities.length, `entity table has every entity (${all})`);
  check(shown >= 1 && shown < all, `filtering '${first}' shows ${shown} of ${all} rows`);
  await page.fill(`input[aria-label="filter table-entities"]`, '');
  // sorting by the alerts column puts the biggest first on the second click
  await page.click(`${table} thead th:nth-child(5)`);
  await page.click(`${table} thead th:nth-child(5)`);
  const firstAlerts = await page.$eval(`${table} tbody tr td:nth-child(5)`, (td) => Number(td.textContent));
  const most = Math.max(...scope.entities.map((e) => e.alerts));
  check(firstAlerts === most, `sorting by alerts: ${firstAlerts} first (max ${most})`);

  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot: ' + shot);

  // without JavaScript the report still reads
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await ctx.newPage();
  await p2.goto(pathToFileURL(report).href);
  const rows = await p2.$$eval('#table-entities tbody tr', (r) => r.length);
  check(rows === scope.entities.length, 'with JavaScript off every row is there');
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
