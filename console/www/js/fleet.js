// The fleet of one product: devices by version (a chart), how many are online,
// the devices themselves, and what is happening now (the events, live).
(function (Ota) {
  'use strict';
  const { el, replace, ago, stateBadge, errorBox, loading, throttle } = Ota.ui;

  // Past this many devices the chart counts a sample and says so.
  const MAX_DEVICES = 20000;
  const ROWS_SHOWN = 200;
  const ACTIVITY_KEPT = 30;

  function versionKeys(devices) {
    const keys = new Set();
    for (const d of devices) Object.keys(d.status || {}).forEach((k) => keys.add(k));
    return [...keys].sort();
  }

  function defaultKey(keys) {
    return keys.includes('firmware_ver') ? 'firmware_ver' : keys.find((k) => k.endsWith('_ver')) || keys[0];
  }

  function versionOf(device, key) {
    const v = device.status ? device.status[key] : undefined;
    return typeof v === 'string' ? v : v === undefined ? '(none)' : JSON.stringify(v);
  }

  function chart(devices, key, onPick) {
    const counts = new Map();
    for (const d of devices) {
      const v = versionOf(d, key);
      counts.set(v, (counts.get(v) || 0) + 1);
    }
    const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const most = rows.length ? rows[0][1] : 1;
    return el('table', { class: 'chart', id: 'version-chart' },
      rows.map(([version, n]) => el('tr', { dataset: { version }, onclick: () => onPick(version) },
        el('th', {}, version),
        el('td', { class: 'chart-bar' }, el('span', { style: 'width:' + (100 * n) / most + '%' })),
        el('td', { class: 'num count' }, String(n)))));
  }

  function deviceTable(product, devices, key) {
    const shown = devices.slice(0, ROWS_SHOWN);
    return [
      el('table', { class: 'list', id: 'devices' },
        el('thead', {}, el('tr', {}, el('th', {}, 'device'), el('th', {}, key), el('th', {}, 'online'), el('th', {}, 'status at'))),
        el('tbody', {}, shown.map((d) => el('tr', { dataset: { device: d.device } },
          el('td', {}, el('a', { href: Ota.link('device', product, d.device) }, d.device)),
          el('td', { class: 'version' }, versionOf(d, key)),
          el('td', {}, el('span', { class: d.online ? 'dot online' : 'dot offline', title: d.online ? 'online' : 'offline' })),
          el('td', {}, ago(d.statusAt)))))),
      devices.length > shown.length ? el('p', { class: 'muted' }, 'Showing ' + shown.length + ' of ' + devices.length + '.') : null,
    ];
  }

  function activityItem(e) {
    return el('li', {},
      el('time', {}, new Date(e.at).toLocaleTimeString()), ' ',
      el('a', { href: Ota.link('device', e.product, e.device) }, e.device), ' ',
      stateBadge(e.state),
      e.progress !== null ? ' ' + e.progress + '%' : '',
      e.desc ? ' ' + e.desc : '', ' · job ',
      el('a', { href: Ota.link('job', e.jobId) }, e.jobId.slice(0, 8)));
  }

  Ota.views = Ota.views || {};
  Ota.views.fleet = function (main, params, app) {
    const product = params[0] || app.product || '';
    let key = params[1];
    let filter = null;
    let devices = [];
    let complete = true;

    const productInput = el('input', { name: 'product', value: product, placeholder: 'product', required: true, pattern: '[A-Za-z0-9_-]{1,64}' });
    const keySelect = el('select', { name: 'versionKey', onchange: () => { key = keySelect.value; draw(); } });
    const summary = el('div', { class: 'summary', id: 'fleet-summary' });
    const chartBox = el('div', {});
    const tableBox = el('div', {});
    const activity = el('ol', { class: 'activity', id: 'activity' });
    const status = el('div', {});

    replace(main,
      el('h1', {}, 'Fleet'),
      el('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); location.hash = Ota.link('fleet', productInput.value.trim()); } },
        el('label', {}, 'Product ', productInput), el('button', { type: 'submit' }, 'Show'),
        el('label', {}, 'Version key ', keySelect)),
      status,
      el('div', { class: 'columns' },
        el('section', {}, summary, chartBox, tableBox),
        el('section', { class: 'side' }, el('h2', {}, 'Now'), el('p', { class: 'muted' }, 'State changes as they happen.'), activity)));

    function draw() {
      const keys = versionKeys(devices);
      if (!key || !keys.includes(key)) key = defaultKey(keys);
      replace(keySelect, keys.map((k) => el('option', { value: k, selected: k === key }, k)));
      const online = devices.filter((d) => d.online).length;
      replace(summary,
        el('div', { class: 'figure' }, el('b', { id: 'device-count' }, String(devices.length)), complete ? ' devices' : '+ devices (first ' + devices.length + ' counted)'),
        el('div', { class: 'figure' }, el('b', { id: 'online-count' }, String(online)), ' online'));
      if (!devices.length) {
        replace(chartBox, el('p', { class: 'muted' }, product ? 'No device of "' + product + '" has reported its status yet.' : 'Choose a product.'));
        replace(tableBox);
        return;
      }
      replace(chartBox, el('h2', {}, 'Devices by ' + key), chart(devices, key, (v) => { filter = filter === v ? null : v; draw(); }));
      const rows = filter === null ? devices : devices.filter((d) => versionOf(d, key) === filter);
      replace(tableBox,
        el('h2', {}, filter === null ? 'Devices' : 'Devices at ' + filter + ' ', filter === null ? null : el('a', { href: '#', onclick: (ev) => { ev.preventDefault(); filter = null; draw(); } }, '(all)')),
        deviceTable(product, rows, key));
    }

    async function load() {
      if (!product) return draw();
      try {
        const page = await app.api.all('listDevices', { product }, 'devices', MAX_DEVICES);
        devices = page.items;
        complete = page.complete;
        replace(status);
        draw();
      } catch (err) {
        replace(status, errorBox(err));
      }
    }

    // A finished execution means a version may have changed: reload, at most every 2 s.
    const reload = throttle(load, 2000);
    const stop = app.api.onEvent((e) => {
      if (e.product !== product) return;
      activity.prepend(activityItem(e));
      while (activity.children.length > ACTIVITY_KEPT) activity.lastChild.remove();
      if (e.state === 'succeeded' || e.state === 'failed') reload();
    });
    replace(chartBox, loading());
    load();
    return stop;
  };
})(window.Ota = window.Ota || {});
