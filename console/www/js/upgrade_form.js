// The form that creates an upgrade (createUpgrade) with its rollout options.
// A refusal names the field it is about ("md5" must be 32 hex digits): the
// error is shown under that field, or above the form when it names none.
(function (Ota) {
  'use strict';
  const { el, replace, errorBox } = Ota.ui;

  // [name, label, input attributes, help]
  const FIELDS = [
    ['product', 'Product', { required: true }],
    ['type', 'Type', { required: true, placeholder: 'firmware', pattern: '[a-z0-9_]{1,32}' }, 'Progress reports carry it.'],
    ['version', 'Target version', { required: true }],
    ['versionKey', 'Version key', { placeholder: '{type}_ver' }, 'The status member that holds this type\'s version.'],
    ['url', 'Image URL', { required: true, type: 'url', placeholder: 'https://files.example.com/fw-1.1.bin' }],
    ['md5', 'MD5', { required: true, pattern: '[0-9A-Fa-f]{32}' }, 'mosquitto_ota file IMAGE prints the size and the digests.'],
    ['size', 'Size (bytes)', { required: true, type: 'number', min: 1 }],
    ['sha256', 'SHA-256', { pattern: '[0-9A-Fa-f]{64}' }],
    ['imageSignature', 'Image signature', {}, 'The vendor\'s signature over the SHA-256 (base64), when devices check one.'],
    ['devices', 'Devices', { textarea: true, placeholder: 'd1 d2 d3' }, 'Names separated by spaces, commas or lines; empty: every known device of the product.'],
    ['fromVersions', 'Only from versions', { placeholder: '1.0 1.0.1' }, 'Only devices now at one of these versions.'],
    ['maxPerMinute', 'Max first sends per minute', { type: 'number', min: 1 }],
    ['abortFailurePercent', 'Abort above failure %', { type: 'number', min: 0, max: 100, step: 'any' }],
    ['abortMinFinished', 'once at least finished', { type: 'number', min: 1 }],
    ['timeoutSeconds', 'Timeout (s)', { type: 'number', min: 1, placeholder: '86400' }, 'Counted from the first send.'],
    ['expiresAt', 'Expires', { type: 'datetime-local' }],
    ['dynamic', 'Dynamic', { type: 'checkbox' }, 'Devices that later report a matching status join the job.'],
  ];
  const NUMBERS = new Set(['size', 'maxPerMinute', 'abortFailurePercent', 'abortMinFinished', 'timeoutSeconds']);
  const LISTS = new Set(['devices', 'fromVersions']);

  function words(text) {
    return text.split(/[\s,]+/).filter((w) => w.length);
  }

  // The command's fields from the form: empty inputs are left out.
  function commandFields(inputs) {
    const fields = {};
    for (const [name, input] of inputs) {
      if (input.type === 'checkbox') {
        if (input.checked) fields[name] = true;
        continue;
      }
      const value = input.value.trim();
      if (value === '') continue;
      if (NUMBERS.has(name)) fields[name] = Number(value);
      else if (LISTS.has(name)) fields[name] = words(value);
      else if (name === 'expiresAt') fields[name] = new Date(value).getTime();
      else fields[name] = value;
    }
    return fields;
  }

  Ota.views = Ota.views || {};
  Ota.views.new = function (main, params, app) {
    const inputs = new Map();
    const errors = new Map();
    const formError = el('div', { id: 'form-error' });
    const rows = FIELDS.map(([name, label, attrs, help]) => {
      const a = Object.assign({ name, id: 'f-' + name }, attrs);
      delete a.textarea;
      const input = attrs.textarea ? el('textarea', a) : el('input', a);
      if (name === 'product') input.value = app.product || '';
      inputs.set(name, input);
      const error = el('div', { class: 'field-error', id: 'error-' + name });
      errors.set(name, error);
      return el('div', { class: 'field' }, el('label', { for: 'f-' + name }, label), input,
        help ? el('small', { class: 'muted' }, help) : null, error);
    });
    const submit = el('button', { type: 'submit', class: 'primary', id: 'create' }, 'Create upgrade');

    function showError(err) {
      const named = /"([A-Za-z0-9]+)"/.exec(err.message || '');
      const box = named && errors.get(named[1]);
      (box || formError).append(errorBox(err));
      if (box) inputs.get(named[1]).focus();
    }

    async function onSubmit(ev) {
      ev.preventDefault();
      replace(formError);
      errors.forEach((e) => replace(e));
      submit.disabled = true;
      try {
        const fields = commandFields(inputs);
        const data = await app.api.request('createUpgrade', fields);
        app.product = fields.product;
        const s = data.skipped;
        app.flash = 'Created job ' + data.jobId + ': ' + data.targeted + ' device(s) targeted; skipped: ' +
          s.alreadyAtVersion + ' already at the version, ' + s.busy + ' busy, ' + s.unknown + ' unknown, ' +
          s.notInFromVersions + ' not in the from versions.';
        location.hash = Ota.link('job', data.jobId);
      } catch (err) {
        showError(err);
      } finally {
        submit.disabled = false;
      }
    }

    replace(main,
      el('h1', {}, 'New upgrade'),
      el('form', { class: 'upgrade', id: 'upgrade-form', novalidate: true, onsubmit: onSubmit }, formError, rows,
        el('div', { class: 'field' }, submit)));
  };
})(window.Ota = window.Ota || {});
