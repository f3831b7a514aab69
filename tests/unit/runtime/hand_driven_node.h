#pragma once
// A broker's ClusterNode on a real PostgreSQL, driven by hand as its worker
// would drive it: each step in a transaction; a step that throws is rolled
// back and the node resynced (as Worker::store_failed, or run_timers' undo, does).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pgstorage/pg_store.h"
#include "runtime/cluster_node.h"
#include "runtime/worker.h"

namespace ota_test {

struct HandDrivenNode {
  HandDrivenNode(const std::string& url, const std::string& id, int timeout_seconds = 2,
                 int64_t inbox_limit = ota::ClusterNode::kInboxLimit)
      : store(url) {
    options.broker_id = id;
    options.db_url = url;
    options.broker_timeout_seconds = timeout_seconds;
    node = std::make_unique<ota::ClusterNode>(store.repositories(), *store.cluster(), options, inbox_limit);
  }

  bool step(const std::function<void(ota::Effects&)>& work) {
    ota::Transactions& t = store.repositories().transactions;
    ota::Effects out;
    try {
      t.begin();
      work(out);
      node->before_commit(out);
      t.commit();
    } catch (const std::exception&) {
      try {
        t.rollback();
      } catch (const std::exception&) {
      }
      node->resync();
      return false;
    }
    node->after_commit();
    for (auto& m : out.publishes) seen.push_back(std::move(m));
    for (auto& l : out.logs) logs += l.text + "\n";
    return true;
  }
  bool tick() {
    return step([&](ota::Effects& out) {
      node->tick(ota::unix_ms(), out, std::chrono::steady_clock::time_point::max());
    });
  }
  bool handle(ota::Event event) {
    return step([&](ota::Effects& out) { node->handle(event, ota::unix_ms(), out); });
  }
  // Ticks until `done`, at most `timeout`.
  bool tick_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }
  bool saw(const std::function<bool(const ota::Outgoing&)>& match) const {
    for (const auto& m : seen) {
      if (match(m)) return true;
    }
    return false;
  }

  ota::PgStore store;
  ota::Options options;
  std::unique_ptr<ota::ClusterNode> node;
  std::vector<ota::Outgoing> seen;  // every publish of its committed steps
  std::string logs;
};

}  // namespace ota_test
