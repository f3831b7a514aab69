// One execution and its history: every progress report and state change,
// with times (getExecution).
(function (Ota) {
  'use strict';
  const { el, replace, time, stateBadge, errorBox, loading, throttle } = Ota.ui;

  function history(entries) {
    return el('table', { class: 'list', id: 'history' },
      el('thead', {}, el('tr', {}, ['at', 'event', 'state', 'progress', 'reason', 'desc'].map((h) => el('th', {}, h)))),
      el('tbody', {}, entries.map((h) => el('tr', { dataset: { event: h.event, state: h.state } },
        el('td', {}, time(h.at)), el('td', {}, h.event), el('td', {}, stateBadge(h.state)),
        el('td', { class: 'num' }, h.progress === undefined ? '' : String(h.progress)),
        el('td', {}, h.reason || ''), el('td', {}, h.desc || '')))));
  }

  Ota.views = Ota.views || {};
  Ota.views.execution = function (main, params, app) {
    const [jobId, product, device] = params;
    const body = el('div', {}, loading());
    replace(main,
      el('p', { class: 'crumbs' }, el('a', { href: Ota.link('job', jobId) }, 'Job ' + jobId.slice(0, 12)), ' / ',
        el('a', { href: Ota.link('device', product, device) }, product + '/' + device)),
      el('h1', {}, 'Execution on ', device), body);

    async function load() {
      try {
        const data = await app.api.request('getExecution', { jobId, product, device });
        const x = data.execution || data;
        const entries = data.history || [];
        replace(body,
          el('p', {}, stateBadge(x.state), ' ', x.type, ' → ', x.version,
            x.reason ? ' · reason ' + x.reason : '', x.progress !== undefined ? ' · progress ' + x.progress : '',
            ' · request ', el('span', { class: 'mono' }, x.requestId)),
          el('p', { class: 'muted' }, 'Created ', time(x.createdAt), x.firstSentAt ? ' · first sent ' + time(x.firstSentAt) : '',
            x.lastSentAt ? ' · last sent ' + time(x.lastSentAt) : '', ' · resends ' + x.resends),
          el('h2', {}, 'History'), history(entries));
      } catch (err) {
        replace(body, errorBox(err));
      }
    }
    const reload = throttle(load, 500);
    load();
    return app.api.onEvent((e) => {
      if (e.jobId === jobId && e.product === product && e.device === device) reload();
    });
  };
})(window.Ota = window.Ota || {});
