// One job: its parameters, a live bar per execution state, its executions
// filtered by state, and a cancel button that asks first.
(function (Ota) {
  'use strict';
  const { el, replace, time, ago, stateBar, legend, stateBadge, errorBox, loading, confirmAction, throttle } = Ota.ui;

  const PAGE = 100;
  const EXEC_STATES = [''].concat(Ota.ui.STATES.slice().reverse());

  function parameters(job) {
    const rows = [
      ['product', job.product], ['type', job.type], ['version', job.version], ['version key', job.versionKey],
      ['url', job.url], ['md5', job.md5], ['sha256', job.sha256], ['size', job.size + ' bytes'],
      ['from versions', job.fromVersions && job.fromVersions.join(', ')],
      ['timeout', job.timeoutSeconds + ' s'], ['expires', job.expiresAt && time(job.expiresAt)],
      ['max per minute', job.maxPerMinute],
      ['abort', job.abortFailurePercent !== undefined ? 'over ' + job.abortFailurePercent + '% failed of at least ' + (job.abortMinFinished || 0) + ' finished' : undefined],
      ['dynamic', job.dynamic ? 'yes: devices that report a matching status join' : 'no'],
      ['created', time(job.createdAt)], ['finished', job.finishedAt && time(job.finishedAt)],
    ];
    return el('table', { class: 'kv' }, rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, String(v)))));
  }

  function executionRow(x) {
    return el('tr', { dataset: { device: x.device, state: x.state } },
      el('td', {}, el('a', { href: Ota.link('execution', x.jobId, x.product, x.device) }, x.device)),
      el('td', {}, stateBadge(x.state)),
      el('td', { class: 'num' }, x.progress === undefined ? '' : String(x.progress)),
      el('td', {}, x.reason || ''), el('td', {}, x.desc || ''),
      el('td', { class: 'num' }, String(x.resends)), el('td', {}, ago(x.updatedAt)));
  }

  Ota.views = Ota.views || {};
  Ota.views.job = function (main, params, app) {
    const jobId = params[0];
    let execState = params[1] || '';
    const head = el('div', {}, loading());
    const actions = el('div', { class: 'actions' });
    const tbody = el('tbody', {});
    const more = el('div', {});
    const execStatus = el('div', {});
    const stateSelect = el('select', { name: 'state', onchange: () => { location.hash = Ota.link('job', jobId, stateSelect.value); } },
      EXEC_STATES.map((s) => el('option', { value: s, selected: s === execState }, s || 'any state')));

    replace(main,
      el('p', { class: 'crumbs' }, el('a', { href: Ota.link('jobs') }, 'Jobs'), ' / ', jobId),
      el('h1', {}, 'Job ', el('span', { class: 'mono' }, jobId)),
      head, actions,
      el('h2', {}, 'Executions ', stateSelect),
      execStatus,
      el('table', { class: 'list', id: 'executions' },
        el('thead', {}, el('tr', {}, ['device', 'state', 'progress', 'reason', 'desc', 'resends', 'updated'].map((h) => el('th', {}, h)))),
        tbody),
      more);

    async function cancel(job) {
      const unfinished = job.total - Ota.finished(job);
      const ok = await confirmAction('Cancel job ' + jobId + '? Its ' + unfinished + ' unfinished execution(s) become canceled and their devices are sent $ota_cancel.', 'Cancel the job');
      if (!ok) return;
      try {
        await app.api.request('cancelJob', { jobId });
        await loadJob();
      } catch (err) {
        replace(actions, errorBox(err));
      }
    }

    async function loadJob() {
      try {
        const job = await app.api.request('getJob', { jobId });
        replace(head,
          el('p', {}, stateBadge(job.state), ' ', el('span', { id: 'job-state', dataset: { state: job.state } }, job.state.replace('_', ' ')),
            ' · ', el('b', { id: 'job-finished' }, String(Ota.finished(job))), ' of ', el('b', { id: 'job-total' }, String(job.total)),
            ' finished', job.filling ? ' (still adding executions)' : ''),
          el('div', { id: 'job-bar' }, stateBar(job.counts, job.total)),
          el('div', { id: 'job-counts' }, legend(job.counts)),
          el('details', {}, el('summary', {}, 'Parameters'), parameters(job)));
        replace(actions, job.state === 'in_progress'
          ? el('button', { class: 'danger', id: 'cancel-job', onclick: () => cancel(job) }, 'Cancel job') : null);
      } catch (err) {
        replace(head, errorBox(err));
      }
    }

    async function loadExecutions(cursor) {
      try {
        const fields = { jobId, limit: PAGE, cursor };
        if (execState) fields.state = execState;
        const data = await app.api.request('listJobExecutions', fields);
        if (!cursor) replace(tbody);
        data.executions.forEach((x) => tbody.append(executionRow(x)));
        replace(execStatus, tbody.children.length ? null : el('p', { class: 'muted' }, 'No execution' + (execState ? ' in this state.' : '.')));
        replace(more, data.cursor ? el('button', { onclick: () => loadExecutions(data.cursor) }, 'More') : null);
      } catch (err) {
        replace(execStatus, errorBox(err));
      }
    }

    const refreshJob = throttle(loadJob, 500);
    const refreshExecutions = throttle(() => loadExecutions(), 1000);
    loadJob();
    loadExecutions();
    return app.api.onEvent((e) => {
      if (e.jobId !== jobId) return;
      refreshJob();
      if (tbody.children.length <= PAGE) refreshExecutions();  // a person paging further is not interrupted
    });
  };
})(window.Ota = window.Ota || {});
