/**
 * The dashboard's detail views, served as /dashboard-views.js before /dashboard.js: the last-hour
 * charts (inline SVG built with createElementNS, no framework), a dead letter's message and a
 * flight timeline. Everything user-supplied goes in as text (textContent), never as markup: a
 * payload holding <script> or <img onerror> shows as those characters.
 */

// Plain ES2017 in the page: no backticks, so this file can hold it in a template literal.
export const DASHBOARD_VIEWS_SCRIPT = String.raw`
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var W = 180, H = 36;

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
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  /** One bar per minute, scaled to the hour's highest value; empty minutes draw nothing. */
  function chart(points, key, cls, format) {
    var values = points.map(function (p) { return p[key] === null || p[key] === undefined ? 0 : p[key]; });
    var max = Math.max.apply(null, values.concat([0]));
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'chart ' + cls, role: 'img', 'data-chart': key });
    root.appendChild(svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }));
    var step = W / values.length;
    values.forEach(function (v, i) {
      if (!(v > 0)) return;
      var h = Math.max(1, Math.round((v / max) * (H - 2)));
      var bar = svg('rect', { x: (i * step).toFixed(1), y: H - h, width: Math.max(1, step - 0.6).toFixed(1), height: h, 'data-minute': points[i].at });
      var title = svg('title', {});
      title.textContent = points[i].at.slice(11, 16) + ' UTC: ' + format(v);
      bar.appendChild(title);
      root.appendChild(bar);
    });
    var label = svg('title', {});
    label.textContent = key + ', last hour, max ' + format(max);
    root.insertBefore(label, root.firstChild);
    return { node: root, max: max, total: values.reduce(function (a, b) { return a + b; }, 0) };
  }

  function ms(s) { return s === null || s === undefined ? '-' : s < 1 ? Math.round(s * 1000) + ' ms' : s.toFixed(2) + ' s'; }

  function renderHistory(target, data) {
    var ids = Object.keys(data.webhooks || {});
    if (!ids.length) { target.replaceChildren(el('p', { class: 'muted', text: 'No webhooks.' })); return; }
    target.replaceChildren.apply(target, ids.map(function (id) {
      var points = data.webhooks[id];
      var delivered = chart(points, 'delivered', 'good', function (v) { return v + ' delivered'; });
      var failed = chart(points, 'failed', 'bad', function (v) { return v + ' failed'; });
      var p95 = chart(points, 'p95Seconds', 'lat', ms);
      var latest = points.length ? points[points.length - 1].p95Seconds : null;
      return el('div', { class: 'card', 'data-history': id },
        el('h3', { text: id }),
        el('div', { class: 'charts' },
          el('figure', {}, delivered.node, el('figcaption', {}, 'deliveries/min ', el('strong', { class: 'total-delivered', text: delivered.total }))),
          el('figure', {}, failed.node, el('figcaption', {}, 'failures/min ', el('strong', { class: 'total-failed' + (failed.total ? ' bad' : ''), text: failed.total }))),
          el('figure', {}, p95.node, el('figcaption', {}, 'p95 latency ', el('strong', { text: latest === null ? 'max ' + ms(p95.max || null) : ms(latest) })))));
    }));
  }

  /** The payload exactly as text: JSON pretty-printed, anything else as received. */
  function payloadText(event) {
    if (!event) return '';
    if (event.dataEncoding === 'base64' && typeof event.data === 'string') {
      try { return atob(event.data); } catch (e) { return event.data; }
    }
    return typeof event.data === 'string' ? event.data : JSON.stringify(event.data, null, 2);
  }

  function fields(pairs) {
    return el('dl', { class: 'fields' }, ...pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null && p[1] !== ''; })
      .map(function (p) { return el('div', {}, el('dt', { text: p[0] }), el('dd', { text: String(p[1]) })); }));
  }

  function renderMessage(target, letter) {
    var ev = letter.event || {};
    var flight = ev.flight ? ev.flight.carrier + ev.flight.flightNumber + ' ' + ev.flight.date : '';
    target.replaceChildren(
      el('h2', { text: 'Dead letter ' + letter.id }),
      fields([['webhook', letter.webhookId], ['event', letter.eventType], ['topic', letter.topic], ['flight', flight],
        ['reason', letter.reason], ['detail', letter.detail], ['last status', letter.lastStatus], ['last answer', letter.lastBody],
        ['attempts', letter.attempts], ['received', letter.receivedAt], ['failed', letter.failedAt]]),
      el('h3', { text: 'Payload' + (ev.dataEncoding === 'base64' ? ' (not JSON, decoded)' : '') }),
      el('pre', { class: 'payload', text: payloadText(ev) }));
  }

  function attemptText(a) {
    return a.at + '  #' + a.attempt + '  ' + (a.status !== undefined ? 'HTTP ' + a.status : a.error || '-') + '  ' + a.durationMs + ' ms';
  }

  function renderNotifications(list) {
    return el('ol', { class: 'timeline' }, ...list.map(function (n) {
      return el('li', { 'data-message': n.id },
        el('div', {}, el('strong', { text: n.type || n.eventType || '' }), ' ', el('span', { class: 'muted mono', text: (n.receivedAt || n.at || '') + '  ' + n.id })),
        el('ul', {}, ...(n.deliveries || []).map(function (d) {
          return el('li', {}, el('span', { text: d.webhookId + ': ' + d.outcome }),
            el('ul', { class: 'mono' }, ...(d.attempts || []).map(function (a) { return el('li', { text: attemptText(a) }); })));
        })));
    }));
  }

  function renderTimeline(target, t) {
    var list = t.notifications || [];
    target.replaceChildren(el('h2', { text: 'Flight ' + t.flight + ' on ' + t.date }),
      list.length ? renderNotifications(list) : el('p', { class: 'muted', text: 'No notifications kept for this flight.' }));
  }

  function renderLoggedMessage(target, m) {
    target.replaceChildren(el('h2', { text: 'Message ' + m.id }), renderNotifications([m]),
      m.event ? el('pre', { class: 'payload', text: payloadText(m.event) }) : null);
  }

  /** "LH400", "lh 400 2026-12-01" → a flight (date default: today UTC); anything else → a message id. */
  function searchTarget(text, today) {
    var q = String(text || '').trim();
    var f = /^([A-Za-z0-9]{2}[A-Za-z]?)\s*(\d{1,4}[A-Za-z]?)(?:\s+(\d{4}-\d{2}-\d{2}))?$/.exec(q);
    if (f && /\d/.test(f[2])) return { kind: 'flight', flight: (f[1] + f[2]).toUpperCase(), date: f[3] || today };
    return q ? { kind: 'message', id: q } : null;
  }

  window.flupViews = { el: el, renderHistory: renderHistory, renderMessage: renderMessage, renderTimeline: renderTimeline,
    renderLoggedMessage: renderLoggedMessage, searchTarget: searchTarget };
})();
`;
