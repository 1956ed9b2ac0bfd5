// "My bill": the month's statement as charts and tables, from /api/bill (the same figures BILL
// types at the teletype, to the micro-dollar).
import { barChart } from './chart.ts';
import { $, dollars, el, getJson, table } from './dom.ts';
import type { BillData } from '../../../shared/web-api.ts';

const JOBS_SHOWN = 200;

function monthName(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function render(d: BillData): void {
  const sel = $('month') as HTMLSelectElement;
  sel.replaceChildren(...d.months.map((m) => el('option', { value: m, selected: m === d.month, text: `${monthName(m)}${m === d.current ? ' (this month)' : ''}` })));
  const q = `month=${encodeURIComponent(d.month)}`;

  const summary = el('section', { class: 'card', 'aria-labelledby': 'sum-h' },
    el('h2', { id: 'sum-h', text: `${monthName(d.month)}${d.month === d.current ? ', so far' : ''}` }),
    el('div', { class: 'total', id: 'bill-total', 'data-micros': d.total, text: dollars(d.total) }),
    el('div', { class: 'exact' }, 'Exactly $', el('span', { id: 'bill-exact', text: d.totalText }), ` (${d.zone} days)`),
  );
  if (d.budget !== null) {
    const pct = d.budgetUsedPct ?? 0;
    summary.append(
      el('p', {}, el('label', { for: 'budget-meter', text: `Budget used: ${pct}% of ${dollars(d.budget)} a month` })),
      el('meter', { id: 'budget-meter', min: 0, max: 100, low: 75, high: 95, optimum: 0, value: Math.min(100, pct), text: `${pct}%` }),
    );
  } else summary.append(el('p', { text: 'No budget: your charges are not limited.' }));

  const cpu = d.days.map((x) => ({ label: x.day.slice(8), value: x.cpuSeconds, title: `${x.day}: ${x.cpuSeconds.toFixed(3)} CPU seconds` }));
  const money = d.days.map((x) => ({ label: x.day.slice(8), value: x.amount / 1e6, title: `${x.day}: $${(x.amount / 1e6).toFixed(6)}` }));
  const charts = el('section', { 'aria-labelledby': 'chart-h' },
    el('h2', { id: 'chart-h', text: 'Per day' }),
    el('div', { class: 'grid2' },
      el('figure', {}, barChart('CPU seconds per day', cpu, (v) => v.toFixed(v < 10 ? 2 : 0)), el('figcaption', { text: 'CPU seconds per day' })),
      el('figure', {}, barChart('Charges per day in dollars', money, (v) => `$${v.toFixed(v < 1 ? 3 : 2)}`, 'money'), el('figcaption', { text: 'Charges per day' })),
    ),
  );

  const charges = el('section', { 'aria-labelledby': 'rate-h' },
    el('h2', { id: 'rate-h', text: 'Charges by rate' }),
    // the rate schedule's date only when the month had more than one (as BILL prints it)
    new Set(d.charges.map((c) => c.rateEffective)).size > 1
      ? el('div', { class: 'scroll' }, table('What you used, at which rate', ['Item', 'Quantity', 'Rate', 'Rates of', 'Amount $'],
        [...d.charges.map((c) => [c.label, c.quantity, c.rate, c.rateEffective, c.amountText]), ['TOTAL', '', '', '', d.totalText]],
        [false, true, false, false, true]))
      : el('div', { class: 'scroll' }, table('What you used, at which rate', ['Item', 'Quantity', 'Rate', 'Amount $'],
        [...d.charges.map((c) => [c.label, c.quantity, c.rate, c.amountText]), ['TOTAL', '', '', d.totalText]],
        [false, true, false, true])),
  );

  const jobsBox = el('div', { class: 'scroll' });
  const showJobs = (n: number) => {
    const rows = d.jobs.slice(-n).reverse().map((j) => [j.job === null ? '-' : String(j.job), j.name, j.day, j.cpuSeconds.toFixed(3), j.kcs.toFixed(3), j.amountText]);
    jobsBox.replaceChildren(table(`${d.jobs.length} job${d.jobs.length === 1 ? '' : 's'}${n < d.jobs.length ? ` (the latest ${n} shown)` : ''}`,
      ['Job', 'Program', 'When', 'CPU sec', 'KCS', 'Charge $'], rows, [true, false, false, true, true, true]));
    if (n < d.jobs.length) {
      const more = el('button', { type: 'button', text: `Show all ${d.jobs.length} jobs` });
      more.addEventListener('click', () => showJobs(d.jobs.length));
      jobsBox.append(more);
    }
  };
  showJobs(JOBS_SHOWN);
  const jobs = el('section', { 'aria-labelledby': 'jobs-h' }, el('h2', { id: 'jobs-h', text: 'Jobs' }), jobsBox);

  const downloads = el('section', { 'aria-labelledby': 'dl-h', class: 'downloads' },
    el('h2', { id: 'dl-h', text: 'Downloads' }),
    el('a', { href: `/api/bill.csv?${q}`, download: '', text: 'Bill (CSV)' }),
    el('a', { href: `/api/bill.json?${q}`, download: '', text: 'Bill (JSON)' }),
    el('a', { href: `/api/jobs.csv?${q}`, download: '', text: 'Jobs (CSV)' }),
    el('a', { href: `/api/bill.txt?${q}`, download: '', text: 'Statement as BILL types it' }),
  );

  $('bill').replaceChildren(summary, charts, charges, jobs, downloads);
}

async function main(): Promise<void> {
  const month = new URLSearchParams(location.search).get('month') ?? '';
  try {
    render(await getJson<BillData>(`/api/bill${month ? `?month=${encodeURIComponent(month)}` : ''}`));
  } catch (err) {
    $('bill').replaceChildren(el('p', { class: 'error', role: 'alert', text: `Could not load the bill: ${(err as Error).message}` }));
  }
}

void main();
