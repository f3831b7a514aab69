#pragma once
// State the Mosquitto glue keeps on the broker thread.
#include <mosquitto.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "protocol/acl_rules.h"
#include "plugin/log_budget.h"
#include "plugin/loop_wake.h"
#include "protocol/options.h"
#include "ota/presence.h"
#include "protocol/reports.h"
#include "protocol/sessions.h"
#include "store/repositories.h"
#include "runtime/worker.h"

struct mosquitto;
struct mosquitto_plugin_id_t;

namespace ota {

struct PluginState {
  explicit PluginState(const Options& o)
      : options(o), acl(options), foreign_answer(options.acl_default_allow ? MOSQ_ERR_SUCCESS : MOSQ_ERR_PLUGIN_DEFER) {}

  Options options;
  AclRules acl;
  // The ACL answer for a topic the plugin does not own (acl_default).
  const int foreign_answer;
  // Checks each device report (its parser's buffers are kept from one to the next).
  ReportChecker checker;
  // Wakes the broker's loop when the worker has something to publish (installed before the worker starts).
  LoopWake loop_wake;
  // The only user of the store; it opens it, on its own thread.
  std::unique_ptr<Worker> worker;
  // Which client ids hold a session of each device: a command decided by the
  // worker goes only to a client that still does.
  Presence presence;
  mosquitto_plugin_id_t* id = nullptr;
  // Device logins and the sessions proven authenticated, by the broker's client object.
  Sessions sessions;
  // The report a publish's ACL check just handed to the worker: its MESSAGE event
  // (same client, same payload buffer) then has nothing left to do.
  const mosquitto* taken_client = nullptr;
  const void* taken_payload = nullptr;
  // Lines about refused publishes, subscriptions and logins: clients can cause them at will.
  LogBudget refusals{20};
};

// broker_glue.cpp: the event callbacks, registered by plugin.cpp.
int on_basic_auth(int event, void* event_data, void* user_data);
int on_disconnect(int event, void* event_data, void* user_data);
int on_acl_check(int event, void* event_data, void* user_data);
int on_message(int event, void* event_data, void* user_data);
int on_control(int event, void* event_data, void* user_data);
int on_tick(int event, void* event_data, void* user_data);

// Writes the worker's log lines at their levels.
void log_lines(const std::vector<LogLine>& lines);
// Publishes and logs what the worker has ready.
void deliver_effects(PluginState& st, Effects&& effects);

}  // namespace ota
