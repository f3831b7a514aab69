#pragma once
// The worker thread: the only user of the store. The broker thread submits
// events; the worker applies them in transactions and hands back what to
// publish once it is committed.
//
// Reports, the bulk of the traffic, cost the broker thread no lock, no
// allocation and no system call each: they are copied into a batch of the
// broker thread's own, handed over (one lock) at each pass of the broker's
// loop, every kHandOverReports reports, and before any other event (which
// keeps the order), and the worker is woken only when it waits for work (then
// the report is handed over at once: at most once per commit cycle). The
// broker thread accepts reports without asking while the room it was granted
// at the last hand-over lasts.
//
// Acknowledged means committed within flush_ms (F), at any arrival rate. F is
// shared out, and each share is bounded by construction:
//   - F/4: reports wait for company. Reports alone are committed together F/4
//     after the oldest arrived (each commit writes every page it touched, so
//     fewer commits cost far less per report); anything with an answer or a
//     message to send is committed as soon as it is applied.
//   - F/4: a worker step already under way (timers, a chunk of a job's fill:
//     both stop or are sized to stay within it; WAL checkpoints run on a thread
//     of their own, see Checkpointer).
//   - F/4: applying and committing everything accepted before it. The worker
//     measures its cost per event (EventCost) and publishes a capacity, the
//     events it can surely commit in F/4; submit() accepts a report only while
//     fewer are uncommitted. When full it waits for a commit (the broker
//     thread, hence every client, slows down) while commits keep coming (the
//     worker commits every F/4 of work, and a timer step may come first), F
//     in all, or F/2 with no commit; then it refuses, and keeps refusing at
//     once until the backlog halved.
//   - F/4: margin for error in the estimates (and flush_ms + 100 ms is the bar).
//     While a rollout is under way, any report may move an execution, which
//     costs several times what a plain report does: the capacity then counts
//     every report at that price, so that a fleet answering its commands at
//     once is not admitted at the price of the cheap reports seen before.
// An admin request that changes state (createUpgrade, cancelJob) has no known
// length: what was accepted before it is committed first, and reports wait or
// are refused until it is committed.
//
// Every event is atomic: one that fails part-way is rolled back alone (the
// transaction is rolled back and the events before it applied again, each in
// a savepoint; an admin command runs in its own savepoint), logged, and the
// others are committed.
//
// A store that cannot write (disk full, I/O error): the failed transaction's
// events are kept and retried every second, reports are refused meanwhile,
// and the log says when it fails and when it works again.
//
// Threads: what both threads touch is GUARDED_BY(mutex_) or atomic; the rest
// is marked broker thread only or worker thread only. The clang build with
// OTA_THREAD_SAFETY=ON checks the locking.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "protocol/mutex.h"
#include "protocol/thread_annotations.h"
#include "store/repositories.h"
#include "runtime/applier.h"
#include "runtime/engine.h"
#include "runtime/event_cost.h"
#include "runtime/report_batch.h"

namespace ota {

// The system clock, in ms since the epoch.
int64_t unix_ms();
// Where the worker reads OTA time (timers, timeouts, resends, the times it
// stores): unix_ms in the plugin; tests advance a clock of their own by hand.
// Called on the worker thread. The group commit, back-pressure and retries
// stay on the steady clock: they measure real work, not OTA time.
using UnixClock = std::function<int64_t()>;

class Worker {
 public:
  // `committed_publishes`: called on the worker thread when something to
  // publish is ready for take_ready() (the plugin wakes the broker's loop).
  Worker(std::unique_ptr<Store> store, const Options& options, UnixClock clock = unix_ms,
         std::function<void()> committed_publishes = {});

  // What a worker opens on its own thread: the store, and anything started
  // beside it (PostgreSQL's listener, which pokes the worker), ended there
  // too, first, when the worker stops.
  struct Opened {
    std::unique_ptr<Store> store;
    std::shared_ptr<void> beside;
  };
  using Opener = std::function<Opened(Worker&)>;
  // The plugin's worker: its thread leaves the broker thread's file
  // descriptor table (runtime/files_apart.h), then opens the store; the
  // store is closed on that thread when it stops. Throws what `open` threw.
  Worker(Opener open, const Options& options, UnixClock clock = unix_ms,
         std::function<void()> committed_publishes = {});
  ~Worker();

  // Built with an Opener: whether the worker's thread has a file table of
  // its own (false: the system refused, it shares the broker thread's).
  bool files_apart() const { return files_apart_; }

  // Broker thread. Takes a checked report (copies it): accepted (true) only
  // when it will be committed within flush_ms; false: refused (the store is
  // behind or cannot write), to be denied.
  bool submit_report(const ReportView& report, int64_t at_ms) EXCLUDES(mutex_);
  // Broker thread. Queues an event, after the reports taken before it. A
  // Report event is accepted or refused as submit_report() does.
  bool submit(Event event) EXCLUDES(mutex_);
  // Broker thread: hands the reports taken since the last hand-over to the
  // worker. At each pass of the broker's loop.
  void hand_over() EXCLUDES(mutex_);
  // Broker thread (the one that submits): true when everything submitted so
  // far is committed, so that a second connection to the store sees all of it.
  bool idle() const EXCLUDES(mutex_);
  // Broker thread: what is committed and ready to publish or log.
  Effects take_ready() EXCLUDES(mutex_);
  // Any thread: run the timers now (another broker sharing the store has
  // something for this one: runtime/cluster_node.h).
  void poke() EXCLUDES(mutex_);
  // Any thread: another broker wrote the inbox (for the leader) or the outbox
  // (for the others): poke() if that is for this broker now.
  void poke_for(bool inbox_written) EXCLUDES(mutex_) {
    if (applier_->leads() == inbox_written) poke();
  }
  // Applies and commits everything submitted, then ends the thread.
  void stop() EXCLUDES(mutex_);
  // After stop(): true when every accepted report was committed.
  bool all_committed() const EXCLUDES(mutex_);

  struct Stats {
    uint64_t refused = 0;        // reports refused
    uint64_t waits = 0;          // submits that waited for room
    uint64_t lost_reports = 0;   // accepted reports not committed (failed alone, or the store never wrote)
    int64_t capacity = 0;        // uncommitted events accepted at most, now
    int64_t max_pending = 0;     // uncommitted events, the most seen
    int64_t max_lag_ms = 0;      // the longest a report waited from its arrival to its commit
  };
  Stats stats() const EXCLUDES(mutex_);

 private:
  using Clock = std::chrono::steady_clock;
  struct Queued {
    Event event;
    size_t bytes = 0;      // a report's memory, bounded in all
    bool barrier = false;  // an admin request that changes state
    size_t reports_before = 0;  // in the queue: the reports of inbox_ that came before it
    bool moved = false;  // applied: a report that moved an execution (it had an event to publish)
  };

  // Broker thread, under mutex_.
  bool admit(MutexLock& lock, size_t bytes) REQUIRES(mutex_);
  bool has_room(size_t bytes) const REQUIRES(mutex_);
  void log_refusals(const char* why) REQUIRES(mutex_);
  // Moves filling_ to inbox_ and grants new room; true when the worker must be woken.
  bool hand_over_locked() REQUIRES(mutex_);
  void grant_room() REQUIRES(mutex_);
  // Broker thread only: the reports taken since the last hand-over, and the
  // room left to take more without asking.
  ReportBatch filling_;
  size_t filling_bytes_ = 0;  // their memory (footprint), counted once handed over
  Clock::time_point filling_since_;
  int64_t room_ = 0;
  size_t bytes_room_ = 0;

  // Both public constructors: the thread opens the store with `open`, having
  // left the shared file table first when `own_files`.
  Worker(Opener open, bool own_files, const Options& options, UnixClock clock,
         std::function<void()> committed_publishes);
  // Gives the worker store_ (on its thread, once opened).
  void attach_store() EXCLUDES(mutex_);

  // Worker thread.
  void run() EXCLUDES(mutex_);
  int64_t current_capacity() const;
  // The reports of `reports` and the events of `events`, in the order they came, into `work`.
  void merge(ReportBatch& reports, std::vector<Queued>& events, std::vector<Queued>& work);
  // Applies the events in the open transaction (opening one if needed),
  // committing on the way when a barrier or the time says so.
  void apply(std::vector<Queued>& work);
  enum class Applied { Done, Dropped, RolledBack };
  Applied apply_one(Queued& item, int64_t now_ms);
  // Opens the transaction that work[from..] will be applied in, unless one is
  // open, and tells the applier what comes (a hint: reads a remote store
  // needs, at once).
  void begin_for(const std::vector<Queued>& work, size_t from);
  // First commands go no faster than the capacity can take their answers.
  void pace_sends();
  void drop(Queued& item, const std::exception& e) EXCLUDES(mutex_);
  // Runs the timers when due, commits and hands over the effects. False when the store failed.
  bool commit(bool timers_due) EXCLUDES(mutex_);
  void run_timers() EXCLUDES(mutex_);
  // The last transaction, once everything accepted is committed (Applier::stopping()).
  void say_goodbye() EXCLUDES(mutex_);
  // The store cannot write: keep what was accepted for a retry, refuse reports.
  void store_failed(const std::exception& e, std::vector<Queued>&& unapplied) EXCLUDES(mutex_);
  void retry() EXCLUDES(mutex_);
  void give_up() EXCLUDES(mutex_);
  Clock::time_point commit_due() const { return oldest_at_ + window_; }
  // How often the engine's timers run. Worker thread only: it asks the engine.
  std::chrono::milliseconds timer_period() const {
    return std::chrono::milliseconds(applier_->wants_fast_ticks() ? 10 : 100);
  }

  // Set before the thread starts, then read-only.
  const Options options_;
  const UnixClock unix_clock_;
  const std::function<void()> committed_publishes_;
  const std::chrono::microseconds window_;    // F/4: group commit
  const std::chrono::microseconds budget_;    // F/4: a step; applying and committing the capacity
  const std::chrono::microseconds max_wait_;  // F/4: submit waiting for room
  // Worker thread only (the constructor, and stop() once the thread ended, aside).
  std::unique_ptr<Store> store_;
  Transactions* transactions_ = nullptr;  // store_'s
  std::shared_ptr<void> beside_;          // Opened::beside, with an Opener
  // The Engine, or a ClusterNode when brokers share the store.
  std::unique_ptr<Applier> applier_;
  // What plain events, transitions and commits cost. While a rollout is
  // under way the capacity counts every report as a transition, so that a
  // burst of them (a fleet answering its commands at once) is not admitted at
  // the price of the cheap reports seen before.
  EventCost cost_;

  // Worker thread only: the open transaction.
  bool open_ = false;
  Clock::time_point oldest_at_;  // arrival of its oldest event
  std::vector<Queued> txn_;      // the events applied in it, kept until committed
  bool careful_ = false;         // an event failed in it: the rest go one savepoint each
  Clock::duration txn_work_{};   // time spent applying them
  // An admin request was applied in it: committed at once, even with nothing
  // to publish yet (a broker that does not lead relays it; the leader answers).
  bool answer_awaited_ = false;
  Effects effects_;              // what it will publish once committed
  // Worker thread only: the store cannot write.
  std::vector<Queued> retry_;  // accepted events waiting for it
  Clock::time_point retry_at_;
  Clock::time_point failed_at_;
  Clock::time_point failure_logged_at_;
  bool resync_needed_ = false;
  Clock::time_point upkeep_error_logged_at_;

  // Shared by the two threads.
  mutable Mutex mutex_;
  std::condition_variable wake_;       // the worker: work, urgency, stop
  std::condition_variable committed_;  // the broker thread waiting for room
  std::vector<Queued> queue_ GUARDED_BY(mutex_);  // events other than reports
  ReportBatch inbox_ GUARDED_BY(mutex_);          // reports
  // The worker sleeps until something comes (it writes this under mutex_; the
  // broker thread also reads it without, for every report: the first report
  // after a quiet spell is handed over at once, so that the worker starts on a
  // burst, and learns what its events cost, while the burst is still coming).
  std::atomic<bool> waiting_for_work_{false};
  Effects ready_ GUARDED_BY(mutex_);
  std::atomic<bool> has_ready_{false};  // ready_ has something: the broker thread looks without the lock
  // ready_, to add to.
  Effects& ready_locked() REQUIRES(mutex_) {
    has_ready_.store(true, std::memory_order_release);
    return ready_;
  }
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool urgent_ GUARDED_BY(mutex_) = false;      // an event that wants an answer or a send is queued
  bool poked_ GUARDED_BY(mutex_) = false;       // poke(): the timers run now
  bool commit_now_ GUARDED_BY(mutex_) = false;  // half the capacity is pending: commit without waiting for the window
  Clock::time_point first_queued_at_ GUARDED_BY(mutex_);  // when the oldest queued event came
  int64_t pending_ GUARDED_BY(mutex_) = 0;       // submitted, not yet committed
  size_t pending_bytes_ GUARDED_BY(mutex_) = 0;  // of the reports among them
  int barriers_ GUARDED_BY(mutex_) = 0;          // admin requests that change state, not yet committed
  int64_t capacity_ GUARDED_BY(mutex_);
  uint64_t commits_ GUARDED_BY(mutex_) = 0;  // so far: a waiting broker thread sees whether commits are coming
  // The store cannot write (the worker writes it, under mutex_; the broker
  // thread also reads it without, for every report).
  std::atomic<bool> failed_{false};
  // Brokers sharing a store: the leader has too many of this broker's events
  // to apply (Applier::behind()); written by the worker under mutex_, read as failed_ is.
  std::atomic<bool> leader_behind_{false};
  bool refusing_ GUARDED_BY(mutex_) = false;  // the broker thread's: refusing until the backlog halved
  Clock::time_point refusals_logged_at_ GUARDED_BY(mutex_);
  uint64_t refused_unlogged_ GUARDED_BY(mutex_) = 0;
  Stats stats_ GUARDED_BY(mutex_);
  bool files_apart_ = false;  // written by the thread before the Opener constructor returns
  std::thread thread_;  // started last, in the constructor; joined by stop()
};

}  // namespace ota
