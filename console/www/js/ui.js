// DOM helpers shared by the views: elements built with textContent only (every
// value shown comes from devices and is untrusted), times, the per-state
// progress bar, errors, and the confirmation dialog.
(function (Ota) {
  'use strict';

  // el('td', {class: 'x', onclick: f}, 'text', child, ...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function replace(container, ...children) {
    container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function time(ms) {
    if (ms === undefined || ms === null) return '';
    return new Date(ms).toLocaleString();
  }

  function ago(ms) {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  // Execution states in the order a bar shows them (docs/protocol.md 5.1).
  const STATES = ['succeeded', 'failed', 'timed_out', 'canceled', 'installing', 'downloading', 'sent', 'queued'];

  // A bar with one segment per execution state, widths by share of `total`.
  function stateBar(counts, total) {
    const bar = el('div', { class: 'bar', role: 'img' });
    const parts = [];
    for (const state of STATES) {
      const n = counts[state] || 0;
      if (!n || !total) continue;
      parts.push(state + ' ' + n);
      bar.append(el('span', { class: 'seg s-' + state, style: 'width:' + (100 * n) / total + '%', title: state + ': ' + n }));
    }
    bar.setAttribute('aria-label', parts.join(', ') || 'no executions');
    return bar;
  }

  function legend(counts) {
    return el('ul', { class: 'legend' },
      STATES.map((s) => el('li', { dataset: { state: s } }, el('span', { class: 'dot s-' + s }), s.replace('_', ' ') + ' ',
        el('b', { class: 'count' }, String(counts[s] || 0)))));
  }

  function stateBadge(state) {
    return el('span', { class: 'badge st-' + state }, state.replace('_', ' '));
  }

  function errorBox(err) {
    const code = err && err.code ? ' (' + err.code + ')' : '';
    return el('p', { class: 'error', role: 'alert' }, (err && err.message ? err.message : String(err)) + code);
  }

  function loading() {
    return el('p', { class: 'muted' }, 'Loading…');
  }

  // Resolves true when the person confirms; one <dialog> in index.html.
  function confirmAction(question, confirmLabel) {
    const dialog = document.getElementById('confirm');
    document.getElementById('confirm-text').textContent = question;
    document.getElementById('confirm-yes').textContent = confirmLabel;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
      dialog.showModal();
    });
  }

  // Runs fn at most once every `ms`, the last call always running.
  function throttle(fn, ms) {
    let timer = null;
    let again = false;
    return function run() {
      if (timer) {
        again = true;
        return;
      }
      fn();
      timer = setTimeout(() => {
        timer = null;
        if (again) {
          again = false;
          run();
        }
      }, ms);
    };
  }

  Ota.ui = { el, replace, time, ago, STATES, stateBar, legend, stateBadge, errorBox, loading, confirmAction, throttle };
})(window.Ota = window.Ota || {});
