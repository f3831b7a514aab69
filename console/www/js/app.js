// The console's shell: the login, the navigation and the router that shows one
// view per location hash (#/fleet/lamp, #/jobs, #/job/ID, …).
(function (Ota) {
  'use strict';
  const { el, replace } = Ota.ui;

  // '#/job/ID' from ('job', 'ID'); empty trailing parts are left out.
  Ota.link = function (view, ...parts) {
    while (parts.length && (parts[parts.length - 1] === undefined || parts[parts.length - 1] === '')) parts.pop();
    return '#/' + [view].concat(parts.map((p) => encodeURIComponent(p === undefined ? '' : p))).join('/');
  };

  const app = {
    api: new Ota.Api(),
    get product() { return localStorage.getItem('ota.product') || ''; },
    set product(p) { localStorage.setItem('ota.product', p); },
    flash: null,
  };

  let stopView = null;

  function route() {
    const [view, ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const render = Ota.views[view] || Ota.views.fleet;
    if (stopView) stopView();
    const main = document.getElementById('main');
    if (view === 'fleet' && params[0]) app.product = params[0];
    document.querySelectorAll('nav a[data-view]').forEach((a) => a.classList.toggle('current', a.dataset.view === (Ota.views[view] ? view : 'fleet')));
    const flash = document.getElementById('flash');
    replace(flash, app.flash ? el('p', { class: 'notice', id: 'notice' }, app.flash) : null);
    app.flash = null;
    stopView = render(main, params, app) || null;
  }

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/mqtt';
  }

  async function login(ev) {
    ev.preventDefault();
    const form = ev.target;
    const error = document.getElementById('login-error');
    replace(error);
    form.querySelector('button').disabled = true;
    try {
      await app.api.connect(wsUrl(), form.username.value, form.password.value);
      sessionStorage.setItem('ota.username', form.username.value);
      document.getElementById('who').textContent = form.username.value;
      document.getElementById('login').hidden = true;
      document.getElementById('app').hidden = false;
      window.addEventListener('hashchange', route);
      route();
    } catch (err) {
      replace(error, Ota.ui.errorBox(err));
    } finally {
      form.querySelector('button').disabled = false;
    }
  }

  app.api.onConnectionChange((up) => {
    const c = document.getElementById('connection');
    c.textContent = up ? 'connected' : 'reconnecting…';
    c.className = up ? 'ok' : 'warn';
  });

  document.addEventListener('DOMContentLoaded', () => {
    const form = document.getElementById('login-form');
    form.username.value = sessionStorage.getItem('ota.username') || '';
    form.addEventListener('submit', login);
    document.getElementById('broker').textContent = location.host;
    document.getElementById('logout').addEventListener('click', () => location.reload());
  });
})(window.Ota = window.Ota || {});
