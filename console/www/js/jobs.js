// The jobs, newest first, each with a bar per execution state that the events
// keep current.
(function (Ota) {
  'use strict';
  const { el, replace, ago, stateBar, stateBadge, errorBox, loading, throttle } = Ota.ui;

  const PAGE = 20;
  const JOB_STATES = ['', 'in_progress', 'completed', 'canceled', 'aborted'];

  function finished(job) {
    const c = job.counts;
    return c.succeeded + c.failed + c.timed_out + c.canceled;
  }

  function jobRow(job) {
    return el('tr', { dataset: { jobId: job.jobId, state: job.state } },
      el('td', {}, el('a', { href: Ota.link('job', job.jobId), class: 'mono' }, job.jobId.slice(0, 12))),
      el('td', {}, job.product), el('td', {}, job.type), el('td', {}, job.version),
      el('td', {}, stateBadge(job.state)),
      el('td', { class: 'wide' }, stateBar(job.counts, job.total)),
      el('td', { class: 'num done' }, finished(job) + ' / ' + job.total + (job.filling ? '…' : '')),
      el('td', {}, ago(job.createdAt)));
  }

  Ota.jobRow = jobRow;
  Ota.finished = finished;

  Ota.views = Ota.views || {};
  Ota.views.jobs = function (main, params, app) {
    const product = params[0] || '';
    const state = params[1] || '';
    const rows = new Map();  // jobId -> <tr>
    const tbody = el('tbody', {});
    const more = el('div', {});
    const status = el('div', {}, loading());
    const productInput = el('input', { name: 'product', value: product, placeholder: 'all products' });
    const stateSelect = el('select', { name: 'state' }, JOB_STATES.map((s) => el('option', { value: s, selected: s === state }, s || 'any state')));

    replace(main,
      el('h1', {}, 'Jobs'),
      el('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); location.hash = Ota.link('jobs', productInput.value.trim(), stateSelect.value); } },
        el('label', {}, 'Product ', productInput), el('label', {}, 'State ', stateSelect), el('button', { type: 'submit' }, 'Filter'),
        el('a', { class: 'button primary', href: Ota.link('new') }, 'New upgrade')),
      status,
      el('table', { class: 'list', id: 'jobs' },
        el('thead', {}, el('tr', {}, ['job', 'product', 'type', 'version', 'state', 'executions', 'finished', 'created'].map((h) => el('th', {}, h)))),
        tbody),
      more);

    const filters = {};
    if (product) filters.product = product;
    if (state) filters.state = state;

    async function page(cursor) {
      try {
        const data = await app.api.request('listJobs', Object.assign({ limit: PAGE, cursor }, filters));
        if (!cursor) {
          rows.clear();
          replace(tbody);
        }
        for (const job of data.jobs) {
          const row = jobRow(job);
          rows.set(job.jobId, row);
          tbody.append(row);
        }
        replace(status, rows.size ? null : el('p', { class: 'muted' }, 'No job yet.'));
        replace(more, data.cursor ? el('button', { onclick: () => page(data.cursor) }, 'More') : null);
      } catch (err) {
        replace(status, errorBox(err));
      }
    }

    const refreshers = new Map();  // jobId -> throttled refresh of its row
    function refresh(jobId) {
      if (!refreshers.has(jobId)) {
        refreshers.set(jobId, throttle(async () => {
          try {
            const job = await app.api.request('getJob', { jobId });
            const row = jobRow(job);
            rows.get(jobId).replaceWith(row);
            rows.set(jobId, row);
          } catch (err) {
            // The row keeps its last figures; the next event tries again.
          }
        }, 500));
      }
      refreshers.get(jobId)();
    }
    const reloadFirstPage = throttle(() => page(), 2000);

    page();
    return app.api.onEvent((e) => {
      if (rows.has(e.jobId)) refresh(e.jobId);
      else if (!product || e.product === product) reloadFirstPage();  // a job created since
    });
  };
})(window.Ota = window.Ota || {});
