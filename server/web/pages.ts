// The HTML of each page: a small shell (navigation, landmarks, forms) rendered here with every
// value escaped; the live parts are filled in by the page's script from the JSON API. No inline
// script or event handler anywhere (the CSP forbids them). The console's link is rendered only for
// operators.
import { SPEEDS } from '../frontend/output.ts';
import type { Assets } from './assets.ts';
import { escapeHtml as h } from './http.ts';

export interface Viewer {
  user: string;
  operator: boolean;
}

type PageName = 'teletype' | 'login' | 'bill' | 'console' | 'error';

function nav(page: PageName, who: Viewer | null): string {
  const link = (href: string, label: string, name: PageName) =>
    `<a href="${href}"${page === name ? ' aria-current="page"' : ''}>${label}</a>`;
  const items = [link('/', 'Teletype', 'teletype')];
  if (who) {
    items.push(link('/bill', 'My bill', 'bill'));
    if (who.operator) items.push(link('/console', 'Console', 'console'));
  }
  const right = who
    ? `<span class="who">${h(who.user)}${who.operator ? ' (operator)' : ''}</span><form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>`
    : link('/login', 'Log in', 'login');
  return `<header class="top"><span class="brand">TIMESHARE</span><nav aria-label="Main">${items.join('')}</nav><div class="right">${right}</div></header>`;
}

export function layout(a: Assets, page: PageName, title: string, who: Viewer | null, main: string, opts: { script?: string; css?: string[] } = {}): string {
  const css = ['pages.css', ...(opts.css ?? [])].map((c) => `<link rel="stylesheet" href="${a.url(c)}">`).join('');
  const script = opts.script ? `<script src="${a.url(opts.script)}" defer></script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} - Timeshare</title><link rel="icon" href="data:,">${css}${script}</head>
<body class="page-${page}"><a class="skip" href="#main">Skip to content</a>
${nav(page, who)}
<main id="main" tabindex="-1">${main}</main>
</body></html>`;
}


export function teletypePage(a: Assets, who: Viewer | null): string {
  const options = SPEEDS.map((b) => `<option value="${b}">${b === 0 ? 'Unpaced' : `${b} baud`}</option>`).join('');
  const main = `<h1 class="sr-only">Web teletype</h1>
<div class="tty-bar" role="toolbar" aria-label="Teletype controls">
<label>Line speed <select id="speed">${options}</select></label>
<label><input type="checkbox" id="upper" checked> Upper case</label>
<button type="button" id="interrupt" title="Ctrl-C">Interrupt (^C)</button>
<button type="button" id="dial">Hang up</button>
</div>
<div id="terminal" class="terminal" aria-label="Teletype paper: click or tab here and type; Shift+Tab leaves it"></div>
<div id="status" class="status">OFFLINE</div>
<p class="hint">Type HELP for the commands. Ctrl-C stops a program; Shift+Tab leaves the paper. Your account pages: <a href="/login">log in on the web</a> with the same name and password.</p>`;
  return layout(a, 'teletype', 'Teletype', who, main, { script: 'teletype.js', css: ['teletype-style.css'] });
}

export function loginPage(a: Assets, who: Viewer | null, error: string | null, name = '', next = '/bill'): string {
  const main = `<h1>Log in</h1>
${who ? `<p>You are logged in as ${h(who.user)}.</p>` : ''}
${error ? `<p class="error" role="alert">${h(error)}</p>` : ''}
<form method="post" action="/login" class="card login">
<input type="hidden" name="next" value="${h(next)}">
<label for="name">User name</label><input id="name" name="name" autocomplete="username" required maxlength="16" value="${h(name)}" autocapitalize="characters" spellcheck="false"${error || !name ? ' autofocus' : ''}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="64"${name && !error ? ' autofocus' : ''}>
<button type="submit">Log in</button>
</form>
<p class="hint">Passwords are case-sensitive, and the web teletype types in upper case unless you untick "Upper case": a password chosen there is in capitals.</p>
<p>New here? Accounts are made at the <a href="/">teletype</a>: type a new name at <code>USER NAME--</code>.</p>`;
  return layout(a, 'login', 'Log in', who, main);
}

export function billPage(a: Assets, who: Viewer): string {
  const main = `<h1>My bill</h1>
<form class="month" method="get" action="/bill"><label for="month">Month</label> <select id="month" name="month"></select> <button type="submit">Show</button></form>
<div id="bill" aria-live="polite"><p>Loading...</p></div>`;
  return layout(a, 'bill', 'My bill', who, main, { script: 'bill.js' });
}

export function consolePage(a: Assets, who: Viewer): string {
  const main = `<h1>Operator console</h1>
<div id="console"><p>Connecting...</p></div>`;
  return layout(a, 'console', 'Console', who, main, { script: 'console.js' });
}

export function errorPage(a: Assets, who: Viewer | null, status: number, message: string): string {
  const main = `<h1>${status === 403 ? 'Forbidden' : status === 404 ? 'Not found' : 'Error'}</h1><p>${h(message)}</p><p><a href="/">The teletype</a>${who ? '' : ' or <a href="/login">log in</a>'}.</p>`;
  return layout(a, 'error', String(status), who, main);
}

export function notBuiltPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Timeshare</title></head><body><h1>The web pages are not built</h1><p>Run <code>npm run build:web</code> (npm ci does it) and restart the server. Terminals work meanwhile: <code>npm run terminal</code>.</p></body></html>`;
}
