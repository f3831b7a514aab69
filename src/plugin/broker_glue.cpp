// Mosquitto event callbacks: translate broker events into core calls. Every
// callback runs on the broker thread, does no I/O and lets no exception escape.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#include <cstring>

#include "admin/admin_api.h"
#include "protocol/response_topic.h"
#include "plugin/plugin_state.h"

namespace ota {
namespace {

PluginState& state(void* user_data) { return *static_cast<PluginState*>(user_data); }

std::string client_label(mosquitto* client) {
  const char* id = mosquitto_client_id(client);
  return id ? id : "?";
}

template <typename Body>
int guarded(const char* what, int on_error, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: %s failed: %s", what, e.what());
  } catch (...) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: %s failed", what);
  }
  return on_error;
}

Access access_of(int mosq_access) {
  switch (mosq_access) {
    case MOSQ_ACL_WRITE:
      return Access::Write;
    case MOSQ_ACL_SUBSCRIBE:
      return Access::Subscribe;
    case MOSQ_ACL_UNSUBSCRIBE:
      return Access::Unsubscribe;
    default:
      return Access::Read;
  }
}

int log_level(LogLevel level) {
  switch (level) {
    case LogLevel::Error:
      return MOSQ_LOG_ERR;
    case LogLevel::Warning:
      return MOSQ_LOG_WARNING;
    case LogLevel::Notice:
      return MOSQ_LOG_NOTICE;
    default:
      return MOSQ_LOG_INFO;
  }
}

// A notice about something a client did, within the log budget.
template <typename... Args>
void log_refusal(PluginState& st, const char* format, Args... args) {
  uint64_t left_out = 0;
  if (!st.refusals.admit(unix_ms(), left_out)) return;
  char line[1024];
  snprintf(line, sizeof line, format, args...);
  if (left_out > 0) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "mosquitto_ota: %s (and %llu more refusals not logged)", line,
                         static_cast<unsigned long long>(left_out));
  } else {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "mosquitto_ota: %s", line);
  }
}

// A login proven authenticated: the device is online from now on.
void open_session(PluginState& st, Sessions::Session&& s) {
  st.presence.opened(s.conn, s.device, s.client_id);
  st.worker->submit(ConnectionOpened{s.conn, std::move(s.device), std::move(s.client_id)});
}

void close_session(PluginState& st, uint64_t conn) {
  st.presence.closed(conn);
  st.worker->submit(ConnectionClosed{conn});
}

// A device report from a PUBLISH (its ACL check, or its MESSAGE event when
// another plugin answered the ACL first) or a will (only ever ACL-checked):
// checked whole, identity and payload, then taken by the worker. Nothing here
// allocates, locks or makes a system call for an accepted report.
int take_report(PluginState& st, mosquitto* client, const char* topic, const void* payload, uint32_t payloadlen,
                bool retain) {
  auto refused = [&](const std::string& why) {
    // Denied, not an error code: any other code would disconnect the client.
    log_refusal(st, "refused publish to %s from client %s: %s", topic, client_label(client).c_str(), why.c_str());
    return MOSQ_ERR_ACL_DENIED;
  };
  const auto parsed = parse_report_topic(topic);
  if (!parsed.topic) return refused(std::string(parsed.error));
  const char* username = mosquitto_client_username(client);
  const std::string_view user = username ? username : "";
  if (payloadlen == 0 && retain) {
    // Clears a retained message on the device's own topic: nothing to store.
    if (parsed.topic->is_username(user)) return MOSQ_ERR_SUCCESS;
    return refused("client username is not " + parsed.topic->owned().device.username());
  }
  ReportView report;
  std::string error = st.checker.check(*parsed.topic, user, std::string_view(static_cast<const char*>(payload), payloadlen),
                                       st.options.max_payload_bytes, report);
  if (!error.empty()) return refused(error);
  if (!st.worker->submit_report(report, unix_ms())) {
    // The store is behind or cannot write (the worker logs why): not acknowledged as
    // stored. MQTT 5 clients get 135; MQTT 3.1.1 has no refusal but silence, so the
    // connection is closed without a PUBACK and the client sends the report again.
    return mosquitto_client_protocol_version(client) >= 5 ? MOSQ_ERR_ACL_DENIED : MOSQ_ERR_UNKNOWN;
  }
  st.taken_client = client;
  st.taken_payload = payload;
  return MOSQ_ERR_SUCCESS;
}

}  // namespace

int on_basic_auth(int, void* event_data, void* user_data) {
  return guarded("connect", MOSQ_ERR_PLUGIN_DEFER, [&] {
    auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
    auto& st = state(user_data);
    auto device = ev->username ? device_from_username(ev->username) : std::nullopt;
    if (device) {
      std::string client_id = client_label(ev->client);
      if (!client_id_fits(*device, client_id)) {
        log_refusal(st, "refused login of %s with client id %s: a device's client id must be %s or %s/{suffix}",
                    ev->username, client_id.c_str(), ev->username, ev->username);
        return MOSQ_ERR_AUTH;
      }
      // Not a session yet: password_file or a later authenticator may still refuse it.
      if (auto replaced = st.sessions.login_attempt(ev->client, std::move(*device), std::move(client_id))) {
        close_session(st, *replaced);
      }
    }
    // Authentication itself is left to the broker's authenticator.
    return MOSQ_ERR_PLUGIN_DEFER;
  });
}

int on_disconnect(int, void* event_data, void* user_data) {
  return guarded("disconnect", MOSQ_ERR_SUCCESS, [&] {
    auto* ev = static_cast<mosquitto_evt_disconnect*>(event_data);
    auto& st = state(user_data);
    if (auto conn = st.sessions.closed(ev->client)) close_session(st, *conn);
    return MOSQ_ERR_SUCCESS;
  });
}

int on_acl_check(int, void* event_data, void* user_data) {
  return guarded("acl check", MOSQ_ERR_ACL_DENIED, [&]() -> int {
    auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
    auto& st = state(user_data);
    // Only a connected client is ACL-checked: its login was accepted.
    if (auto session = st.sessions.proven(ev->client)) open_session(st, std::move(*session));
    Access access = access_of(ev->access);
    if (access == Access::Write) st.taken_client = nullptr;  // a new publish (or a will) is being checked
    if (access == Access::Write || access == Access::Read) {
      // A topic, not a filter: most are not the plugin's, answered on their first bytes.
      switch (topic_space(ev->topic)) {
        case TopicSpace::Foreign:
          return st.foreign_answer;
        case TopicSpace::Report:
          if (access == Access::Write) {
            return take_report(st, ev->client, ev->topic, ev->payload, ev->payloadlen, ev->retain);
          }
          break;
        default:
          break;
      }
    }
    const char* username = mosquitto_client_username(ev->client);
    AclDecision d = st.acl.check(username ? username : "", ev->topic, access);
    switch (d.answer) {
      case AclAnswer::Allow:
        return MOSQ_ERR_SUCCESS;
      case AclAnswer::Deny:
        if (access == Access::Write || access == Access::Subscribe) {
          log_refusal(st, "denied %s %s for client %s: %s", access == Access::Write ? "publish to" : "subscribe to",
                      ev->topic, client_label(ev->client).c_str(), d.reason.c_str());
        }
        return MOSQ_ERR_ACL_DENIED;
      default:
        return MOSQ_ERR_PLUGIN_DEFER;
    }
  });
}

int on_message(int, void* event_data, void* user_data) {
  return guarded("message", MOSQ_ERR_ACL_DENIED, [&]() -> int {
    auto* ev = static_cast<mosquitto_evt_message*>(event_data);
    auto& st = state(user_data);
    if (ev->client == st.taken_client && ev->payload == st.taken_payload) {
      st.taken_client = nullptr;  // taken at its ACL check: no second parse of the topic
      return MOSQ_ERR_SUCCESS;
    }
    if (topic_space(ev->topic) != TopicSpace::Report) return MOSQ_ERR_SUCCESS;
    // Another plugin answered the ACL check first: check it here (a repeat is
    // harmless, the worker applies a message id once).
    return take_report(st, ev->client, ev->topic, ev->payload, ev->payloadlen, ev->retain);
  });
}

int on_control(int, void* event_data, void* user_data) {
  // Must return success whatever happens: errors go into the response payload.
  return guarded("admin request", MOSQ_ERR_SUCCESS, [&] {
    auto* ev = static_cast<mosquitto_evt_control*>(event_data);
    AdminRequest request;
    const char* username = mosquitto_client_username(ev->client);
    request.username = username ? username : "";
    request.client_id = client_label(ev->client);
    request.qos = ev->qos;
    request.payload.assign(static_cast<const char*>(ev->payload), ev->payloadlen);
    request.response_topic = std::string(kAdminResponseTopic);

    char* response_topic = nullptr;
    if (mosquitto_property_read_string(ev->properties, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false)) {
      request.response_topic = response_topic;
      free(response_topic);
      void* correlation = nullptr;
      uint16_t correlation_len = 0;
      if (mosquitto_property_read_binary(ev->properties, MQTT_PROP_CORRELATION_DATA, &correlation, &correlation_len,
                                         false)) {
        request.correlation_data.emplace(static_cast<const char*>(correlation), correlation_len);
        free(correlation);
      }
    }
    mosquitto_log_printf(MOSQ_LOG_INFO, "mosquitto_ota: admin request from client %s (user %s), %u bytes",
                         client_label(ev->client).c_str(), request.username.c_str(), ev->payloadlen);
    auto& st = state(user_data);
    if (auto error = response_topic_error(request.response_topic); !error.empty()) {
      // Not run: answered where every admin may listen, never on a topic that is not fit for it.
      log_refusal(st, "refused admin request from client %s: %s", client_label(ev->client).c_str(),
                  error.c_str());
      Effects out;
      out.publishes.push_back(Outgoing{"", std::string(kAdminResponseTopic),
                                       rejected_admin_request(error), 1,
                                       std::move(request.correlation_data)});
      deliver_effects(st, std::move(out));
      return MOSQ_ERR_SUCCESS;
    }
    // Answered by the worker, after what is pending: the broker thread keeps
    // no database connection (runtime/files_apart.h).
    st.worker->submit(std::move(request));
    return MOSQ_ERR_SUCCESS;
  });
}

void log_lines(const std::vector<LogLine>& lines) {
  for (const auto& line : lines) mosquitto_log_printf(log_level(line.level), "%s", line.text.c_str());
}

void deliver_effects(PluginState& st, Effects&& effects) {
  log_lines(effects.logs);
  for (const auto& msg : effects.publishes) {
    if (!msg.client_id.empty()) {
      // The worker decided this send a moment ago: the client id must still belong to a
      // session of the device (not to a client that took the id over since).
      auto device = command_topic_device(msg.topic);
      if (!device || !st.presence.holds(*device, msg.client_id)) continue;
    }
    mosquitto_property* props = nullptr;
    if (msg.correlation_data) {
      mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, msg.correlation_data->data(),
                                    static_cast<uint16_t>(msg.correlation_data->size()));
    }
    int rc = mosquitto_broker_publish_copy(msg.client_id.empty() ? nullptr : msg.client_id.c_str(),
                                           msg.topic.c_str(), static_cast<int>(msg.payload.size()),
                                           msg.payload.data(), msg.qos, false, props);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_property_free_all(&props);
      mosquitto_log_printf(MOSQ_LOG_WARNING, "mosquitto_ota: could not publish to %s: %s", msg.topic.c_str(),
                           mosquitto_strerror(rc));
    }
  }
}

int on_tick(int, void*, void* user_data) {
  return guarded("tick", MOSQ_ERR_SUCCESS, [&] {
    auto& st = state(user_data);
    st.worker->hand_over();  // the reports of this loop pass
    // A login still connected a loop pass later was accepted (a refused one is gone by now).
    if (st.sessions.pending_count() > 0) {
      for (auto& session : st.sessions.prove_all_pending()) open_session(st, std::move(session));
    }
    uint64_t left_out = 0;
    if (st.refusals.has_left_out() && st.refusals.overdue_left_out(unix_ms(), left_out)) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "mosquitto_ota: %llu more refusals not logged",
                           static_cast<unsigned long long>(left_out));
    }
    deliver_effects(st, st.worker->take_ready());
    return MOSQ_ERR_SUCCESS;
  });
}

}  // namespace ota
