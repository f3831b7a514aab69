// One device: its status, whether it is online, its recent progress reports
// and its recent executions (getDevice).
(function (Ota) {
  'use strict';
  const { el, replace, time, ago, stateBadge, errorBox, loading, throttle } = Ota.ui;

  function statusTable(status) {
    if (!status) return el('p', { class: 'muted' }, 'Its stored status does not parse.');
    return el('table', { class: 'kv', id: 'device-status' },
      Object.entries(status).map(([k, v]) => el('tr', { dataset: { key: k } }, el('th', {}, k),
        el('td', {}, typeof v === 'string' ? v : JSON.stringify(v)))));
  }

  function progressTable(reports) {
    if (!reports.length) return el('p', { class: 'muted' }, 'No progress report yet.');
    return el('table', { class: 'list', id: 'device-progress' },
      el('thead', {}, el('tr', {}, ['at', 'type', 'version', 'progress', 'desc'].map((h) => el('th', {}, h)))),
      el('tbody', {}, reports.map((r) => el('tr', {},
        el('td', {}, time(r.at)), el('td', {}, r.type), el('td', {}, r.version),
        el('td', { class: 'num' }, String(r.progress)), el('td', {}, r.desc)))));
  }

  function executionTable(executions) {
    if (!executions.length) return el('p', { class: 'muted' }, 'No execution yet.');
    return el('table', { class: 'list', id: 'device-executions' },
      el('thead', {}, el('tr', {}, ['job', 'type', 'version', 'state', 'updated'].map((h) => el('th', {}, h)))),
      el('tbody', {}, executions.map((x) => el('tr', {},
        el('td', {}, el('a', { href: Ota.link('job', x.jobId) }, x.jobId.slice(0, 8))),
        el('td', {}, x.type), el('td', {}, x.version),
        el('td', {}, el('a', { href: Ota.link('execution', x.jobId, x.product, x.device) }, stateBadge(x.state))),
        el('td', {}, ago(x.updatedAt))))));
  }

  Ota.views = Ota.views || {};
  Ota.views.device = function (main, params, app) {
    const [product, device] = params;
    const body = el('div', {}, loading());
    replace(main,
      el('p', { class: 'crumbs' }, el('a', { href: Ota.link('fleet', product) }, product), ' / ', device),
      el('h1', {}, device), body);

    async function load() {
      try {
        const d = await app.api.request('getDevice', { product, device });
        replace(body,
          el('p', {}, el('span', { class: d.online ? 'dot online' : 'dot offline' }), d.online ? ' online' : ' offline',
            ' · status reported ', time(d.statusAt)),
          el('div', { class: 'columns' },
            el('section', {}, el('h2', {}, 'Status'), statusTable(d.status), el('h2', {}, 'Executions'), executionTable(d.executions)),
            el('section', {}, el('h2', {}, 'Recent progress'), progressTable(d.recentProgress))));
      } catch (err) {
        replace(body, errorBox(err));
      }
    }
    const reload = throttle(load, 1000);
    load();
    return app.api.onEvent((e) => {
      if (e.product === product && e.device === device) reload();
    });
  };
})(window.Ota = window.Ota || {});
