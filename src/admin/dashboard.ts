/**
 * The dashboard at `/`: one static page, no build step. The page, its script (/dashboard.js) and its
 * style (/dashboard.css) are separate responses so the page runs under a CSP without
 * 'unsafe-inline' (see DASHBOARD_CSP). The script asks for the admin token once
 * (kept in sessionStorage; a `#token=...` link fills it in), then polls /readyz and the admin API
 * every 2 s. Everything is rendered with textContent, never innerHTML, so webhook URLs and
 * receiver answers cannot inject markup.
 */

export const DASHBOARD_STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  header .spacer { flex: 1; }
  header button { background: transparent; color: #fff; border: 1px solid #7a8194; }
  main, #app { display: grid; gap: 1em; } main { padding: 1em; }
  [hidden] { display: none !important; }
  #notice:empty { display: none; }
  section { background: #fff; border: 1px solid #dde0e6; border-radius: 6px; padding: .6em 1em 1em; }
  h2 { font-size: 1em; margin: .3em 0 .6em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25em .6em .25em 0; border-bottom: 1px solid #eceef2; vertical-align: top; }
  th { font-weight: 600; color: #5a6275; white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #17803d; } .bad { color: #c0262d; } .warn { color: #a15c00; } .muted { color: #7a8194; }
  .pill { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .9em; background: #eceef2; }
  .pill.ok { background: #dcf5e3; } .pill.bad { background: #fbe1e2; } .pill.warn { background: #fdf0d9; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16em, 1fr)); gap: .4em 1.5em; }
  .grid div span:first-child { color: #5a6275; margin-right: .4em; }
  .error { color: #c0262d; margin: .3em 0; }
  button { font: inherit; padding: .1em .7em; border-radius: 4px; border: 1px solid #b9bfcc; background: #fff; cursor: pointer; }
  button:hover { background: #eceef2; }
  #login { max-width: 30em; }
  #login input { font: inherit; width: 100%; padding: .3em; margin: .4em 0; box-sizing: border-box; }
  code, .mono { font-family: ui-monospace, monospace; font-size: .92em; }
`;

// Plain ES2017 in the page: no backticks, so this file can hold it in a template literal.
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY = 'flup-admin-token';
  var REFRESH_MS = 2000;
  var token = sessionStorage.getItem(KEY);
  var timer = null;
  var $ = function (id) { return document.getElementById(id); };

  var fromHash = /[#&]token=([^&]+)/.exec(location.hash);
  if (fromHash) {
    token = decodeURIComponent(fromHash[1]);
    sessionStorage.setItem(KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
  }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function fill(id) {
    var node = $(id);
    node.replaceChildren.apply(node, Array.prototype.slice.call(arguments, 1));
  }
  function pill(text, cls) { return el('span', { class: 'pill ' + (cls || ''), text: text }); }
  function ago(iso) {
    if (!iso) return '-';
    var s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    var abs = Math.abs(s);
    var text = abs < 90 ? abs + ' s' : abs < 5400 ? Math.round(abs / 60) + ' min' : abs < 172800 ? Math.round(abs / 3600) + ' h' : Math.round(abs / 86400) + ' d';
    return s >= 0 ? text + ' ago' : 'in ' + text;
  }
  function pct(x) { return x === null || x === undefined ? '-' : (x * 100).toFixed(x === 1 ? 0 : 1) + ' %'; }
  function ms(x) { return x === null || x === undefined ? '-' : x < 1 ? Math.round(x * 1000) + ' ms' : x.toFixed(2) + ' s'; }

  function api(path, options) {
    options = options || {};
    var headers = { authorization: 'Bearer ' + token };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch('/api' + path, { method: options.method || 'GET', headers: headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.status === 401) { forget('The token was refused. Enter the admin token again.'); }
          if (!res.ok) { var e = new Error(body.error || ('HTTP ' + res.status)); e.status = res.status; throw e; }
          return body;
        });
      });
  }

  function forget(message) {
    sessionStorage.removeItem(KEY);
    token = null;
    showLogin(message);
  }

  function showLogin(message) {
    if (timer) { clearInterval(timer); timer = null; }
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('token').focus();
  }

  function start() {
    $('login').hidden = true;
    $('app').hidden = false;
    refresh();
    if (!timer) timer = setInterval(refresh, REFRESH_MS);
  }

  function act(promise, what) {
    return promise.then(function (r) { $('notice').textContent = what(r); refresh(); })
      .catch(function (e) { $('notice').textContent = 'Failed: ' + e.message; });
  }

  function renderReady(r) {
    var checks = r.checks || {};
    var nodes = ['ready', pill(r.ready ? 'ready' : 'NOT READY', r.ready ? 'ok' : 'bad')];
    Object.keys(checks).forEach(function (name) {
      var c = checks[name];
      nodes.push(' ', pill(name + (c.ok ? ' ok' : ': ' + (c.error || 'not ok')), c.ok ? 'ok' : c.required ? 'bad' : 'warn'));
    });
    fill.apply(null, nodes);
  }

  function row(label, value, cls) {
    return el('div', {}, el('span', { text: label }), el('span', { class: cls || '', text: value }));
  }

  function renderStatus(s) {
    var rows = [row('role', s.role)];
    var i = s.ingest;
    if (i) {
      rows.push(row('MQTT', i.role + (i.connected ? ', connected' : ', not connected'), i.connected || i.role === 'standby' ? 'ok' : 'bad'));
      if (i.sessionPresent !== undefined) rows.push(row('session kept by broker', i.sessionPresent ? 'yes' : 'no'));
      if (i.paused) rows.push(row('acks', 'held: Redis unavailable', 'bad'));
      rows.push(row('last message', ago(i.lastMessageAt)));
      var qos = Object.keys(i.grantedQos || {}).map(function (t) { return t + ' → QoS ' + i.grantedQos[t]; }).join(', ');
      if (qos) rows.push(row('subscriptions', qos, /QoS 0/.test(qos) ? 'warn' : ''));
    } else rows.push(row('MQTT', 'no ingest in this process', 'muted'));
    var c = s.credentials;
    if (c) {
      rows.push(row('broker login', c.clientId + ' @ ' + c.endpoint));
      rows.push(row('JWT expires', c.expiresAt ? ago(c.expiresAt) + ' (' + c.expiresAt + ')' : 'never'));
      if (c.lastError) rows.push(row('credential error', c.lastError, 'bad'));
    }
    (s.tokens || []).forEach(function (t) {
      var cls = t.state === 'ok' ? 'ok' : t.state === 'empty' ? 'muted' : 'bad';
      var text = t.state + (t.expiresAt ? ', expires ' + ago(t.expiresAt) : '') + (t.error ? ': ' + t.error : '');
      if (t.state === 'login-required') text += ' (run: flup-bridge auth login ' + t.id + ')';
      rows.push(row('token ' + t.id, text, cls));
    });
    fill('status', el('div', { class: 'grid' }, ...rows));
  }

  function renderWebhooks(list) {
    var head = el('tr', {}, ...['webhook', 'state', 'breaker', 'waiting', 'active', 'delayed', 'delivered', 'success (5 min)', 'p95 (5 min)', ''].map(function (h, n) {
      return el('th', { class: n >= 3 && n <= 8 ? 'num' : '', text: h });
    }));
    var rows = list.map(function (w) {
      var st = w.stats || {};
      var stateCls = w.state === 'active' ? 'ok' : w.state === 'paused' ? 'warn' : 'bad';
      var actions = el('td', {});
      var button = function (action, label) {
        actions.appendChild(el('button', { 'data-action': action, text: label, onclick: function () {
          act(api('/webhooks/' + encodeURIComponent(w.id) + '/' + action, { method: 'POST', body: {} }), function (r) { return w.id + ' is ' + r.state; });
        } }));
      };
      if (w.state === 'active') button('pause', 'Pause');
      if (w.state === 'paused') button('resume', 'Resume');
      if (w.state === 'disabled') button('enable', 'Re-enable');
      var c = w.counts || {};
      var rate = st.successRate;
      return el('tr', { 'data-webhook': w.id },
        el('td', {}, el('strong', { text: w.id }), el('div', { class: 'muted mono', text: w.url })),
        el('td', {}, pill(w.state, stateCls), w.disabledReason ? el('div', { class: 'muted', text: w.disabledReason }) : null),
        el('td', {}, pill(w.breaker, w.breaker === 'closed' ? 'ok' : 'bad')),
        el('td', { class: 'num waiting', text: c.waiting }),
        el('td', { class: 'num', text: c.active }),
        el('td', { class: 'num', text: c.delayed }),
        el('td', { class: 'num delivered', text: st.delivered === undefined ? 0 : st.delivered }),
        el('td', { class: 'num ' + (rate === null || rate === undefined ? '' : rate >= 0.99 ? 'ok' : rate >= 0.9 ? 'warn' : 'bad'), text: pct(rate) }),
        el('td', { class: 'num', text: ms(st.p95Seconds) }),
        actions);
    });
    fill('webhooks', el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
    if (!list.length) fill('webhooks', el('p', { class: 'muted', text: 'No webhooks configured.' }));
  }

  function renderDeadLetters(list) {
    if (!list.length) { fill('deadletters', el('p', { class: 'muted', text: 'No dead letters.' })); return; }
    var head = el('tr', {}, ...['failed', 'webhook', 'event', 'reason', 'last status', 'attempts', ''].map(function (h) { return el('th', { text: h }); }));
    var rows = list.map(function (d) {
      return el('tr', { 'data-deadletter': d.id },
        el('td', { title: d.failedAt, text: ago(d.failedAt) }),
        el('td', { text: d.webhookId }),
        el('td', {}, el('div', { text: d.eventType }), el('div', { class: 'muted mono', text: d.topic })),
        el('td', {}, el('div', { text: d.reason }), d.detail ? el('div', { class: 'muted', text: d.detail }) : null),
        el('td', { title: d.lastBody || '', text: d.lastStatus === undefined ? '-' : d.lastStatus }),
        el('td', { class: 'num', text: d.attempts }),
        el('td', {}, el('button', { 'data-replay': d.id, text: 'Replay', onclick: function () {
          act(api('/deadletters/replay', { method: 'POST', body: { id: d.id, webhookId: d.webhookId } }), function (r) { return 'Replayed ' + r.replayed + ' dead letter(s).'; });
        } })));
    });
    fill('deadletters', el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
  }

  function section(id, call, render) {
    return call().then(function (data) { render(data); $(id + '-error').textContent = ''; })
      .catch(function (e) { $(id + '-error').textContent = e.message; });
  }

  function refresh() {
    if (!token) return;
    fetch('/readyz').then(function (r) { return r.json(); }).then(renderReady).catch(function () {
      fill('ready', pill('admin server unreachable', 'bad'));
    });
    Promise.all([
      section('status', function () { return api('/status'); }, renderStatus),
      section('webhooks', function () { return api('/webhooks'); }, renderWebhooks),
      section('deadletters', function () { return api('/deadletters?limit=20'); }, renderDeadLetters),
    ]).then(function () { $('updated').textContent = 'updated ' + new Date().toLocaleTimeString(); });
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    token = $('token').value.trim();
    if (!token) return;
    sessionStorage.setItem(KEY, token);
    $('token').value = '';
    start();
  });
  $('signout').addEventListener('click', function () { forget(''); });

  if (token) start(); else showLogin('');
})();
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>flup-bridge</title>
<link rel="stylesheet" href="/dashboard.css">
</head>
<body>
<header><h1>flup-bridge</h1><span id="ready"></span><span class="spacer"></span><span id="updated" class="muted"></span><button id="signout" type="button">Forget token</button></header>
<main>
  <section id="login" hidden>
    <h2>Admin token</h2>
    <p>Enter the admin token (<code>admin.token</code> in the config, or <code>FLUP_ADMIN_TOKEN</code>). It is kept in this browser tab only.</p>
    <form id="login-form"><input id="token" type="password" autocomplete="off" placeholder="admin token"><button type="submit">Open dashboard</button></form>
    <p id="login-message" class="error"></p>
  </section>
  <div id="app" hidden>
    <p id="notice" class="muted"></p>
    <section><h2>Connection and credentials</h2><p id="status-error" class="error"></p><div id="status"></div></section>
    <section><h2>Webhooks</h2><p id="webhooks-error" class="error"></p><div id="webhooks"></div></section>
    <section><h2>Recent dead letters</h2><p id="deadletters-error" class="error"></p><div id="deadletters"></div></section>
  </div>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
`;

/** Only our own script and style, no inline code, no framing, no form posts, no plugins. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
