// The plugin's entry points: read the options, open the store, start the
// worker, register the callbacks; and undo it all at shutdown.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <dlfcn.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "plugin/api_version.h"
#include "plugin/broker_config.h"
#include "plugin/plugin_state.h"
#include "pgstorage/pg_cluster.h"
#include "pgstorage/pg_listener.h"
#include "plugin/store_opening.h"

namespace {

struct Registration {
  int event;
  MOSQ_FUNC_generic_callback callback;
  const char* event_data;
};

const Registration kRegistrations[] = {
    {MOSQ_EVT_BASIC_AUTH, ota::on_basic_auth, nullptr},
    {MOSQ_EVT_DISCONNECT, ota::on_disconnect, nullptr},
    {MOSQ_EVT_ACL_CHECK, ota::on_acl_check, nullptr},
    {MOSQ_EVT_MESSAGE, ota::on_message, nullptr},
    {MOSQ_EVT_CONTROL, ota::on_control, "$CONTROL/ota/v1"},
    {MOSQ_EVT_TICK, ota::on_tick, nullptr},
};

// The path this plugin was loaded from (asked with a function of internal linkage:
// an exported name may resolve to another plugin's).
std::string own_path() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&own_path), &info) || !info.dli_fname) return {};
  return info.dli_fname;
}

// The name of a broker sharing the database when plugin_opt_broker_id does not give one.
std::string default_broker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "broker");
  const int port = ota::read_broker_config().first_port;
  return std::string(host) + ":" + std::to_string(port > 0 ? port : 1883);
}

// Warnings about broker settings under which the plugin cannot keep its promises.
void check_broker_config() {
  auto facts = ota::read_broker_config();
  if (facts.per_listener_settings) {
    // The TICK event never fires then (Mosquitto 2.0): nothing the worker prepares is ever published.
    mosquitto_log_printf(MOSQ_LOG_ERR,
                         "mosquitto_ota: per_listener_settings is true: Mosquitto 2.0 then sends plugins no tick "
                         "event, so no OTA command, event or admin response would ever be sent. Set "
                         "per_listener_settings false.");
  }
  // Mosquitto asks plugins in order and stops at the first that answers a login:
  // a plugin before this one may accept logins this one never sees.
  std::error_code ec;
  std::string self = own_path();
  if (!facts.plugins.empty() && !self.empty() && !std::filesystem::equivalent(facts.plugins.front(), self, ec)) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "mosquitto_ota: %s is loaded before mosquitto_ota: logins it accepts are not seen by "
                         "mosquitto_ota (those devices never show online nor get commands, their client ids are "
                         "not checked). Put mosquitto_ota's plugin line first.",
                         facts.plugins.front().c_str());
  }
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int mosquitto_plugin_version(int supported_version_count,
                                                                    const int* supported_versions) {
  return ota::choose_plugin_api_version(supported_version_count, supported_versions);
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** user_data,
                                                                 struct mosquitto_opt* opts, int opt_count) {
  try {
    std::vector<std::pair<std::string, std::string>> raw;
    for (int i = 0; i < opt_count; ++i) raw.emplace_back(opts[i].key, opts[i].value ? opts[i].value : "");
    auto parsed = ota::parse_options(raw);
    if (!parsed.error.empty()) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: bad configuration: %s", parsed.error.c_str());
      return MOSQ_ERR_INVAL;
    }
    if (!parsed.options.db_url.empty() && parsed.options.broker_id.empty()) {
      parsed.options.broker_id = default_broker_id();
    }
    auto state = std::make_unique<ota::PluginState>(parsed.options);
    if (!state->loop_wake.install()) {
      mosquitto_log_printf(MOSQ_LOG_WARNING,
                           "mosquitto_ota: signal SIGRTMIN+%d has another user: admin answers and commands wait for "
                           "the broker's next loop pass (up to 100 ms when idle)",
                           ota::LoopWake::kSignalAfterRtMin);
    }
    // Opened by the worker, on its thread, in a file table of its own
    // (runtime/files_apart.h), and closed there: nothing of it may be left to
    // this thread, not even on an error. Its where and schema version are for the log.
    ota::OpenedStore store;
    bool shared_store = false;
    auto open = [&store, &shared_store, &options = state->options](ota::Worker& worker) {
      ota::Worker::Opened opened;
      ota::OpenedStore s = ota::open_store(options);
      opened.store = std::move(s.writer);
      store.where = s.where;
      store.schema_version = s.schema_version;
      if (opened.store->cluster()) {
        shared_store = true;
        try {
          // Wakes the worker when another broker has something for this one.
          opened.beside = std::make_shared<ota::PgListener>(
              options.db_url, std::vector<std::string>{ota::kPgInboxChannel, ota::kPgOutboxChannel},
              [&worker](const std::string& channel) { worker.poke_for(channel == ota::kPgInboxChannel); });
        } catch (const std::exception& e) {
          throw std::runtime_error("cannot use database " + store.where + " (plugin_opt_db_url): " + e.what());
        }
      }
      return opened;
    };
    ota::LoopWake* wake = &state->loop_wake;
    try {
      state->worker = std::make_unique<ota::Worker>(open, state->options, ota::unix_ms, [wake] { wake->wake(); });
    } catch (const std::exception& e) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: %s", e.what());
      return MOSQ_ERR_UNKNOWN;
    }
    if (!state->worker->files_apart()) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE,
                           "mosquitto_ota: the system refused the worker a file table of its own (unshare): "
                           "every message costs the broker thread a little more");
    }
    if (shared_store) {
      mosquitto_log_printf(MOSQ_LOG_INFO,
                           "mosquitto_ota: broker %s may share the database with other brokers; one leads, each "
                           "heartbeats (timeout %d s)",
                           state->options.broker_id.c_str(), state->options.broker_timeout_seconds);
    }
    state->id = identifier;
    for (const auto& r : kRegistrations) {
      if (mosquitto_callback_register(identifier, r.event, r.callback, r.event_data, state.get()) != MOSQ_ERR_SUCCESS) {
        mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: cannot register callback for event %d", r.event);
        return MOSQ_ERR_UNKNOWN;
      }
    }
    check_broker_config();
    if (state->acl.admins_configured()) {
      mosquitto_log_printf(MOSQ_LOG_INFO, "mosquitto_ota: admin topic $CONTROL/ota/v1 restricted to %zu admin username(s)",
                           state->options.admin_usernames.size());
    } else {
      mosquitto_log_printf(MOSQ_LOG_WARNING,
                           "mosquitto_ota: no plugin_opt_admin_usernames: access to $CONTROL/ota/v1 is left to the "
                           "broker's other access control (acl_file, dynamic-security)");
    }
    mosquitto_log_printf(MOSQ_LOG_INFO, "mosquitto_ota: started, database %s (schema version %d), flush_ms %d",
                         store.where.c_str(), store.schema_version, state->options.flush_ms);
    *user_data = state.release();  // owned by the broker's plugin record until cleanup
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: start failed: %s", e.what());
    return MOSQ_ERR_UNKNOWN;
  }
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void* user_data, struct mosquitto_opt*, int) {
  auto* state = static_cast<ota::PluginState*>(user_data);
  if (!state) return MOSQ_ERR_SUCCESS;
  try {
    for (const auto& r : kRegistrations) mosquitto_callback_unregister(state->id, r.event, r.callback, r.event_data);
    state->worker->stop();  // commits everything accepted so far; ends the PostgreSQL listener first
    state->loop_wake.uninstall();
    auto rest = state->worker->take_ready();
    ota::log_lines(rest.logs);
    if (state->worker->all_committed()) {
      mosquitto_log_printf(MOSQ_LOG_INFO, "mosquitto_ota: stopped, all accepted reports committed");
    } else {
      mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: stopped, but %llu accepted report(s) were NOT committed "
                           "(see the errors above)",
                           static_cast<unsigned long long>(state->worker->stats().lost_reports));
    }
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "mosquitto_ota: stop failed: %s", e.what());
  }
  delete state;
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
