// The floor: a Mosquitto 2.0.11 plugin (API v5) registered on the events
// mosquitto_ota uses on every message, ACL_CHECK and MESSAGE, that answers at
// once. What a broker loses with it loaded is what any plugin on those events
// costs; bench/ingest.py measures mosquitto_ota against it, not only against a
// bare broker.
//
//   plugin build/bench/noop_plugin.so
//   plugin_opt_mode noop|parse
//
// noop (default): ACL_CHECK allows (the answer mosquitto_ota gives in the
// benchmark, with plugin_opt_acl_default allow) and MESSAGE accepts.
// parse: MESSAGE also parses the payload as JSON with RapidJSON, the least a
// plugin that reads reports must do.
//
// Not linked with -lmosquitto: the broker exports the mosquitto_* functions.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <rapidjson/document.h>

#include <sched.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "../src/plugin/api_version.h"

namespace {

mosquitto_plugin_id_t* g_id = nullptr;
bool g_parse = false;

// Members seen by the parse mode: a result the compiler must keep, so the parse stays.
volatile unsigned long g_members = 0;

// plugin_opt_thread shared|unshared: one idle thread, as a plugin with a worker has
// (unshared: the thread gives up sharing the broker's file descriptor table).
std::thread g_thread;
std::mutex g_mutex;
std::condition_variable g_stop_cv;
bool g_stop = false;

void idle_thread(bool unshared) {
  if (unshared) unshare(CLONE_FILES);
  std::unique_lock<std::mutex> lock(g_mutex);
  g_stop_cv.wait(lock, [] { return g_stop; });
}

int on_acl_check(int, void*, void*) { return MOSQ_ERR_SUCCESS; }

int on_message(int, void* event_data, void*) {
  if (!g_parse) return MOSQ_ERR_SUCCESS;
  const auto* ev = static_cast<const mosquitto_evt_message*>(event_data);
  rapidjson::Document doc;
  doc.Parse(static_cast<const char*>(ev->payload), ev->payloadlen);
  if (!doc.HasParseError() && doc.IsObject()) g_members = g_members + doc.MemberCount();
  return MOSQ_ERR_SUCCESS;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int mosquitto_plugin_version(int supported_version_count,
                                                                    const int* supported_versions) {
  return ota::choose_plugin_api_version(supported_version_count, supported_versions);
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void**,
                                                                 struct mosquitto_opt* opts, int opt_count) {
  for (int i = 0; i < opt_count; ++i) {
    if (strcmp(opts[i].key, "thread") == 0 && opts[i].value) {
      const bool unshared = strcmp(opts[i].value, "unshared") == 0;
      g_thread = std::thread(idle_thread, unshared);
      continue;
    }
    if (strcmp(opts[i].key, "mode") != 0) continue;
    const char* mode = opts[i].value ? opts[i].value : "";
    if (strcmp(mode, "parse") == 0) {
      g_parse = true;
    } else if (strcmp(mode, "noop") != 0) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "noop_plugin: plugin_opt_mode must be noop or parse, not '%s'", mode);
      return MOSQ_ERR_INVAL;
    }
  }
  g_id = identifier;
  if (mosquitto_callback_register(g_id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr, nullptr) != MOSQ_ERR_SUCCESS ||
      mosquitto_callback_register(g_id, MOSQ_EVT_MESSAGE, on_message, nullptr, nullptr) != MOSQ_ERR_SUCCESS) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "noop_plugin: cannot register its callbacks");
    return MOSQ_ERR_UNKNOWN;
  }
  mosquitto_log_printf(MOSQ_LOG_INFO, "noop_plugin: started, mode %s", g_parse ? "parse" : "noop");
  return MOSQ_ERR_SUCCESS;
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void*, struct mosquitto_opt*, int) {
  mosquitto_callback_unregister(g_id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr);
  mosquitto_callback_unregister(g_id, MOSQ_EVT_MESSAGE, on_message, nullptr);
  if (g_thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      g_stop = true;
    }
    g_stop_cv.notify_one();
    g_thread.join();
  }
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
