// The admin API over MQTT-over-WebSockets (docs/protocol.md section 4): one
// MQTT 5 session logged in with the admin's own credentials. Each request
// carries a Response Topic that only this session subscribes to, and its
// answer is matched by correlationData. Events arrive on the events topic.
(function (Ota) {
  'use strict';

  const REQUEST_TOPIC = '$CONTROL/ota/v1';
  const EVENTS_TOPIC = '$CONTROL/ota/v1/events/#';
  const ANSWER_WAIT_MS = 15000;

  class ApiError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // What a person can do about a refused or failed connection.
  function connectFailure(err, url) {
    const code = err && err.code;
    if (code === 134 || code === 135 || code === 4 || code === 5) {
      return 'Login refused: wrong username or password.';
    }
    return 'Cannot reach the broker at ' + url + (err && err.message ? ' (' + err.message + ')' : '') + '.';
  }

  class Api {
    constructor() {
      this.client = null;
      this.pending = new Map();
      this.nextId = 1;
      this.eventListeners = new Set();
      this.connectionListeners = new Set();
    }

    // Resolves once logged in and subscribed to the answers and the events;
    // rejects with a message that says what to fix.
    connect(url, username, password) {
      const clientId = 'ota-console-' + randomHex(6);
      this.responseTopic = '$CONTROL/ota/v1/response/console/' + clientId;
      return new Promise((resolve, reject) => {
        let settled = false;
        const fail = (message) => {
          if (settled) return;
          settled = true;
          client.end(true);
          reject(new ApiError('login', message));
        };
        const client = mqtt.connect(url, {
          protocolVersion: 5,
          clientId,
          username,
          password,
          clean: true,
          reconnectPeriod: 0,  // a refused login is not retried
          connectTimeout: 10000,
        });
        client.on('message', (topic, payload) => this.onMessage(topic, payload));
        client.on('error', (err) => fail(connectFailure(err, url)));
        client.on('close', () => {
          fail(connectFailure(null, url));
          this.connectionListeners.forEach((l) => l(false));
        });
        client.on('connect', () => {
          this.connectionListeners.forEach((l) => l(true));
          if (settled) return;  // a reconnection: the subscriptions are restored with the session
          client.subscribe([this.responseTopic, EVENTS_TOPIC], { qos: 1 }, (err, granted) => {
            const refused = err || (granted || []).some((g) => g.qos >= 128);
            if (refused) {
              fail('"' + username + '" may not use the admin API (it is not in plugin_opt_admin_usernames).');
              return;
            }
            settled = true;
            this.client = client;
            client.options.reconnectPeriod = 2000;  // logged in: follow a broker restart
            resolve();
          });
        });
      });
    }

    onConnectionChange(listener) {
      this.connectionListeners.add(listener);
    }

    // listener(event) for every execution state change; returns a function that stops it.
    onEvent(listener) {
      this.eventListeners.add(listener);
      return () => this.eventListeners.delete(listener);
    }

    // One admin command; resolves with its `data`, rejects with an ApiError
    // carrying the answer's errorCode and error.
    request(command, fields) {
      const correlationData = 'c' + this.nextId++;
      const payload = JSON.stringify({ commands: [Object.assign({ command }, fields || {}, { correlationData })] });
      return new Promise((resolve, reject) => {
        if (!this.client || !this.client.connected) {
          reject(new ApiError('offline', 'Not connected to the broker.'));
          return;
        }
        const timer = setTimeout(() => {
          this.pending.delete(correlationData);
          reject(new ApiError('timeout', 'No answer from the broker within ' + ANSWER_WAIT_MS / 1000 + ' s.'));
        }, ANSWER_WAIT_MS);
        this.pending.set(correlationData, { resolve, reject, timer });
        const properties = { responseTopic: this.responseTopic };
        this.client.publish(REQUEST_TOPIC, payload, { qos: 1, properties }, (err) => {
          if (!err) return;
          clearTimeout(timer);
          this.pending.delete(correlationData);
          reject(new ApiError('publish', 'The request was refused by the broker: ' + err.message));
        });
      });
    }

    // Every item of a paged list command, following cursors, at most `max`;
    // resolves with {items, complete}.
    async all(command, fields, key, max) {
      const items = [];
      let cursor;
      for (;;) {
        const page = await this.request(command, Object.assign({}, fields, { limit: 1000, cursor }));
        items.push(...page[key]);
        cursor = page.cursor;
        if (!cursor) return { items, complete: true };
        if (items.length >= max) return { items, complete: false };
      }
    }

    onMessage(topic, payload) {
      let doc;
      try {
        doc = JSON.parse(new TextDecoder().decode(payload));
      } catch (e) {
        return;  // not ours to read
      }
      if (topic === this.responseTopic) {
        for (const r of doc.responses || []) this.settle(r);
      } else if (topic.startsWith('$CONTROL/ota/v1/events/')) {
        this.eventListeners.forEach((l) => l(doc));
      }
    }

    settle(response) {
      const waiting = this.pending.get(response.correlationData);
      if (!waiting) return;
      this.pending.delete(response.correlationData);
      clearTimeout(waiting.timer);
      if (response.error !== undefined) {
        waiting.reject(new ApiError(response.errorCode, response.error));
      } else {
        waiting.resolve(response.data || {});
      }
    }
  }

  Ota.Api = Api;
  Ota.ApiError = ApiError;
})(window.Ota = window.Ota || {});
