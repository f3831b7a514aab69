// Mosquitto event callbacks: translate broker events into core calls. Every
// callback runs on the broker thread, does no I/O and lets no exception escape.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#include <cstring>

#include "mosquitto_ota/admin_api.h"
#include "plugin_state.h"

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
    default:
      return MOSQ_LOG_INFO;
  }
}

}  // namespace

int on_basic_auth(int, void* event_data, void* user_data) {
  return guarded("connect", MOSQ_ERR_PLUGIN_DEFER, [&] {
    auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
    auto& st = state(user_data);
    auto device = ev->username ? device_from_username(ev->username) : std::nullopt;
    if (device) {
      uint64_t conn = ++st.next_connection;
      auto [it, fresh] = st.connections.emplace(ev->client, conn);
      if (!fresh) {
        st.presence.closed(it->second);
        st.worker->submit(ConnectionClosed{it->second});
        it->second = conn;
      }
      st.presence.opened(conn, *device, client_label(ev->client));
      st.worker->submit(ConnectionOpened{conn, std::move(*device), client_label(ev->client)});
    }
    // Authentication itself is left to the broker's authenticator.
    return MOSQ_ERR_PLUGIN_DEFER;
  });
}

int on_disconnect(int, void* event_data, void* user_data) {
  return guarded("disconnect", MOSQ_ERR_SUCCESS, [&] {
    auto* ev = static_cast<mosquitto_evt_disconnect*>(event_data);
    auto& st = state(user_data);
    auto it = st.connections.find(ev->client);
    if (it != st.connections.end()) {
      st.presence.closed(it->second);
      st.worker->submit(ConnectionClosed{it->second});
      st.connections.erase(it);
    }
    return MOSQ_ERR_SUCCESS;
  });
}

int on_acl_check(int, void* event_data, void* user_data) {
  return guarded("acl check", MOSQ_ERR_ACL_DENIED, [&] {
    auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
    const char* username = mosquitto_client_username(ev->client);
    Access access = access_of(ev->access);
    AclDecision d = state(user_data).acl.check(username ? username : "", ev->topic, access);
    switch (d.answer) {
      case AclAnswer::Allow:
        return MOSQ_ERR_SUCCESS;
      case AclAnswer::Deny:
        if (access == Access::Write || access == Access::Subscribe) {
          mosquitto_log_printf(MOSQ_LOG_NOTICE, "mosquitto_ota: denied %s %s for client %s: %s",
                               access == Access::Write ? "publish to" : "subscribe to", ev->topic,
                               client_label(ev->client).c_str(), d.reason.c_str());
        }
        return MOSQ_ERR_ACL_DENIED;
      default:
        return MOSQ_ERR_PLUGIN_DEFER;
    }
  });
}

int on_message(int, void* event_data, void* user_data) {
  return guarded("message", MOSQ_ERR_ACL_DENIED, [&] {
    auto* ev = static_cast<mosquitto_evt_message*>(event_data);
    auto& st = state(user_data);
    auto parsed = parse_report_topic(ev->topic);
    if (!parsed.ours) return MOSQ_ERR_SUCCESS;
    std::string error = parsed.error;
    if (parsed.topic) {
      const char* username = mosquitto_client_username(ev->client);
      auto report = check_report(*parsed.topic, username ? username : "",
                                 std::string_view(static_cast<const char*>(ev->payload), ev->payloadlen),
                                 st.options.max_payload_bytes, unix_ms());
      if (report.value) {
        // Refused when the store is behind or cannot write: denied, so not
        // acknowledged as stored (the worker logs why, not once per report).
        return st.worker->submit(std::move(*report.value)) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
      }
      error = report.error;
    }
    // Denied, not an error code: any other code would disconnect the client.
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "mosquitto_ota: refused publish to %s from client %s: %s", ev->topic,
                         client_label(ev->client).c_str(), error.c_str());
    return MOSQ_ERR_ACL_DENIED;
  });
}

int on_control(int, void* event_data, void* user_data) {
  // Must return success whatever happens: errors go into the response payload.
  return guarded("admin request", MOSQ_ERR_SUCCESS, [&] {
    auto* ev = static_cast<mosquitto_evt_control*>(event_data);
    AdminRequest request;
    const char* username = mosquitto_client_username(ev->client);
    request.username = username ? username : "";
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
    if (st.worker->idle() && admin_request_is_read_only(request.payload)) {
      // Everything accepted so far is committed: answer from the read-only
      // connection now, instead of at the broker's next tick.
      Effects out;
      AdminContext ctx{*st.reader, *st.reader_jobs, nullptr, st.presence, unix_ms(), out};
      out.publishes.push_back(Outgoing{"", request.response_topic, handle_admin_request(ctx, request.payload), 1,
                                       std::move(request.correlation_data)});
      deliver_effects(std::move(out));
    } else {
      st.worker->submit(std::move(request));  // ordered after what is pending; answered once committed
    }
    return MOSQ_ERR_SUCCESS;
  });
}

void deliver_effects(Effects&& effects) {
  for (const auto& line : effects.logs) mosquitto_log_printf(log_level(line.level), "%s", line.text.c_str());
  for (const auto& msg : effects.publishes) {
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
    deliver_effects(state(user_data).worker->take_ready());
    return MOSQ_ERR_SUCCESS;
  });
}

}  // namespace ota
