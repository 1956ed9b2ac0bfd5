// The operator's console: live figures pushed by the server (server-sent events from
// /api/console/events), and the actions BROADCAST, HANGUP, KILL and BUDGET as POSTs.
import { barChart, lineChart } from './chart.ts';
import { $, dollars, el, hms, postJson, table } from './dom.ts';
import type { Action, Ledgerish, Sample } from '../../../shared/web-api.ts';

/** Samples kept for the live chart (one a second: the last five minutes). */
const KEEP = 300;
const history: Sample[] = [];

const root = $('console');
const msg = el('p', { role: 'status', id: 'console-status', class: 'ok' });
const figures = el('div', { class: 'figures card', id: 'figures' });
const live = el('figure', { id: 'live-chart' });
const linesBox = el('div', { class: 'scroll', id: 'lines' });
const jobsBox = el('div', { class: 'scroll', id: 'jobs' });
const revenueBox = el('div', { id: 'revenue' });
const budgetsBox = el('div', { class: 'scroll', id: 'budgets' });
const actionsBox = el('div', { class: 'scroll', id: 'actions' });

function say(text: string, error = false): void {
  msg.textContent = text;
  msg.className = error ? 'error' : 'ok';
}

async function act(path: string, body: object): Promise<void> {
  try {
    const r = await postJson<{ message: string }>(`/api/console/${path}`, body);
    say(r.message);
  } catch (err) {
    say((err as Error).message, true);
  }
}

function form(id: string, label: string, fields: HTMLElement[], button: string, onSubmit: (f: HTMLFormElement) => void): HTMLFormElement {
  const f = el('form', { class: 'inline', id, 'aria-label': label }, ...fields, el('button', { type: 'submit', text: button }));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(f);
  });
  return f;
}

const broadcastText = el('input', { id: 'broadcast-text', name: 'text', class: 'wide', maxlength: 200, required: true, 'aria-label': 'Message to every line', placeholder: 'MESSAGE TO EVERY LINE' });
const broadcast = form('broadcast', 'Broadcast', [broadcastText], 'Broadcast', () => {
  void act('broadcast', { text: broadcastText.value }).then(() => (broadcastText.value = ''));
});
const budgetUser = el('input', { id: 'budget-user', name: 'user', maxlength: 12, required: true, 'aria-label': 'User', placeholder: 'USER', size: 10 });
const budgetAmount = el('input', { id: 'budget-amount', name: 'budget', maxlength: 20, required: true, 'aria-label': 'Monthly budget in dollars, or NONE', placeholder: 'DOLLARS OR NONE', size: 14 });
const budgetForm = form('budget', 'Set a budget', [budgetUser, budgetAmount], 'Set budget', () => void act('budget', { user: budgetUser.value, budget: budgetAmount.value }));

root.replaceChildren(
  msg,
  figures,
  el('section', { 'aria-labelledby': 'live-h' }, el('h2', { id: 'live-h', text: 'Mainframe, live' }), live,
    el('div', { class: 'legend' }, ...[['util', 'utilisation (%)'], ['load1', 'load 1 min (x100)'], ['load5', 'load 5 min (x100)'], ['load15', 'load 15 min (x100)']]
      .map(([c, t]) => el('span', {}, el('i', { class: c }), t)))),
  el('section', { 'aria-labelledby': 'bc-h' }, el('h2', { id: 'bc-h', text: 'Broadcast' }), broadcast),
  el('section', { 'aria-labelledby': 'lines-h' }, el('h2', { id: 'lines-h', text: 'Lines' }), linesBox),
  el('section', { 'aria-labelledby': 'jobs-h' }, el('h2', { id: 'jobs-h', text: 'Jobs' }), jobsBox),
  el('section', { 'aria-labelledby': 'rev-h' }, el('h2', { id: 'rev-h', text: 'Revenue this month' }), revenueBox),
  el('section', { 'aria-labelledby': 'bud-h' }, el('h2', { id: 'bud-h', text: 'Budgets' }), budgetForm, budgetsBox),
  el('section', { 'aria-labelledby': 'act-h' }, el('h2', { id: 'act-h', text: 'Operator actions' }), actionsBox),
);

function button(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', text, 'aria-label': label });
  b.addEventListener('click', onClick);
  return b;
}

function renderSample(s: Sample): void {
  history.push(s);
  if (history.length > KEEP) history.shift();
  const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(0)}%`);
  figures.replaceChildren(
    el('div', {}, 'Utilisation', el('b', { id: 'fig-util', text: pct(s.utilisation) })),
    el('div', {}, 'Load averages', el('b', { id: 'fig-load', text: s.load ? s.load.map((x) => x.toFixed(2)).join(' ') : '-' })),
    el('div', {}, 'Utilisation 1, 5, 15 min', el('b', { id: 'fig-util-avg', text: s.utilisationAvg ? s.utilisationAvg.map((x) => pct(x)).join(' ') : '-' })),
    el('div', {}, 'Lines', el('b', { id: 'fig-lines', text: String(s.lines.length) })),
    el('div', {}, 'Jobs', el('b', { id: 'fig-jobs', text: String(s.jobs.length) })),
    el('div', {}, 'Core', el('b', { text: s.core ? `${s.core.used}/${s.core.total}` : '-' })),
    el('div', {}, 'Up', el('b', { text: hms(s.uptimeMs) })),
  );
  const series = [
    { name: 'utilisation', cls: 'util', values: history.map((h) => (h.utilisation === null ? null : h.utilisation * 100)) },
    { name: 'load 1', cls: 'load1', values: history.map((h) => (h.load ? h.load[0] * 100 : null)) },
    { name: 'load 5', cls: 'load5', values: history.map((h) => (h.load ? h.load[1] * 100 : null)) },
    { name: 'load 15', cls: 'load15', values: history.map((h) => (h.load ? h.load[2] * 100 : null)) },
  ];
  const maxLoad = Math.max(100, ...history.flatMap((h) => (h.load ? h.load.map((x) => x * 100) : [])));
  live.replaceChildren(lineChart(`Utilisation and load averages over the last ${history.length} seconds`, series, KEEP, (v) => v.toFixed(0), Math.ceil(maxLoad / 100) * 100));
  linesBox.replaceChildren(table(`${s.lines.length} line${s.lines.length === 1 ? '' : 's'} in use`, ['Line', 'User', 'Since', 'Idle', 'State', 'Address', ''],
    s.lines.map((l) => [String(l.line), l.user ?? '(logging in)', new Date(l.since).toLocaleTimeString(), hms(l.idleMs), l.state, l.address,
      button('Hang up', `Hang up line ${l.line}`, () => {
        if (confirm(`Hang up line ${l.line}${l.user ? ` (${l.user})` : ''}?`)) void act('hangup', { line: String(l.line) });
      })]), [true, false, false, true, false, false, false]));
  jobsBox.replaceChildren(table(`${s.jobs.length} job${s.jobs.length === 1 ? '' : 's'}`, ['Job', 'User', 'Program', 'Line', 'State', 'CPU sec', 'Share', 'Core', 'Snapshot', ''],
    s.jobs.map((j) => [String(j.job), j.owner, j.name, j.line === null ? 'BG' : String(j.line), j.state.toUpperCase(), j.cpuSeconds.toFixed(2), pct(j.share), String(j.coreWords),
      j.snapshotAgeMs === null ? '-' : `${Math.round(j.snapshotAgeMs / 1000)} s ago`,
      button('Kill', `Kill job ${j.job}`, () => {
        if (confirm(`Kill job ${j.job} (${j.owner}, ${j.name})?`)) void act('kill', { job: String(j.job) });
      })]), [true, false, false, true, false, true, true, true, true, false]));
}

function renderLedger(l: Ledgerish): void {
  revenueBox.replaceChildren(
    el('p', {}, 'This month so far: ', el('b', { id: 'revenue-total', text: dollars(l.monthTotal) }), el('span', { class: 'exact', text: ` ($${l.monthTotalText})` })),
    el('figure', {}, barChart('Revenue per day in dollars', l.revenue.map((r) => ({ label: r.day.slice(8), value: r.amount / 1e6, title: `${r.day}: $${r.amountText}` })), (v) => `$${v.toFixed(2)}`, 'money'),
      el('figcaption', { text: 'Revenue per day' })),
  );
  budgetsBox.replaceChildren(table('Accounts, budgets and charges this month', ['User', 'Budget $', 'Charged $', 'Used'],
    l.budgets.map((b) => [`${b.user}${b.operator ? ' (operator)' : ''}`, b.budgetText ?? 'NONE', b.spentText,
      b.budget === null ? '-' : b.budget === 0 ? '100%' : `${((b.spent * 100) / b.budget).toFixed(1)}%`]), [false, true, true, true]));
}

function renderActions(a: Action[]): void {
  actionsBox.replaceChildren(a.length === 0 ? el('p', { text: 'No operator actions since the server started.' }) :
    table('Since the server started, newest first', ['When', 'Operator', 'Action', 'Detail'], a.map((x) => [new Date(x.at).toLocaleTimeString(), x.by, x.action, x.detail])));
}

const events = new EventSource('/api/console/events');
events.addEventListener('sample', (e) => renderSample(JSON.parse((e as MessageEvent).data)));
events.addEventListener('ledger', (e) => renderLedger(JSON.parse((e as MessageEvent).data)));
events.addEventListener('actions', (e) => renderActions(JSON.parse((e as MessageEvent).data)));
events.addEventListener('open', () => {
  if (msg.dataset.lost) say('Live again.');
  delete msg.dataset.lost;
});
events.addEventListener('error', () => {
  msg.dataset.lost = '1';
  say('Live figures interrupted; reconnecting...', true);
});
