#include "runtime/worker.h"

#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <iterator>
#include <utility>

#include "admin/admin_api.h"
#include "runtime/cluster_node.h"
#include "runtime/files_apart.h"
#include "store/store_error.h"

namespace ota {
namespace {

// The reports waiting to be committed hold at most this much memory, whatever their size.
constexpr size_t kMaxPendingBytes = 64u << 20;
constexpr std::chrono::seconds kRetryEvery{1};
constexpr std::chrono::seconds kRefusalLogEvery{10};
constexpr std::chrono::seconds kFailureLogEvery{30};

// A report's memory: its record in a batch, then decoded (the status JSON is held twice: as sent, and its versions).
size_t footprint(const ReportView& r) {
  return ReportBatch::record_bytes(r) + sizeof(Event) + r.status_json.size() + r.topic.product.size() +
         r.topic.device.size() + r.topic.message_id.size() + r.desc.size();
}

// Waits of F/4 for room at most, while commits keep coming: flush_ms in all.
constexpr int kMostWaits = 4;

// Reports handed to the worker at once at most (or at the end of the broker's loop pass).
constexpr size_t kHandOverReports = 256;

bool is_barrier(Event& event) {
  auto* admin = std::get_if<AdminRequest>(&event);
  return admin && parsed(*admin).writes();
}

std::string describe(const Event& event) {
  if (const auto* r = std::get_if<Report>(&event)) {
    return std::string(r->kind == ReportKind::Status ? "status" : "progress") + " report " + r->message_id +
           " of " + r->device.username();
  }
  if (std::holds_alternative<AdminRequest>(event)) return "admin request";
  return "connection event";
}

std::chrono::microseconds quarter_of(int flush_ms) { return std::chrono::microseconds(std::max(1, flush_ms) * 250); }

int64_t seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t).count();
}

std::unique_ptr<Applier> applier_for(Store& store, const Options& options) {
  if (ClusterRepository* cluster = store.cluster()) {
    return std::make_unique<ClusterNode>(store.repositories(), *cluster, options);
  }
  return std::make_unique<Engine>(store.repositories(), options);
}

}  // namespace

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Worker::Worker(std::unique_ptr<Store> store, const Options& options, UnixClock clock,
               std::function<void()> committed_publishes)
    // Opened by the caller, in its file table: the thread stays in it.
    : Worker([&store](Worker&) { return Opened{std::move(store), nullptr}; }, false, options, std::move(clock),
             std::move(committed_publishes)) {}

Worker::Worker(Opener open, const Options& options, UnixClock clock, std::function<void()> committed_publishes)
    : Worker(std::move(open), true, options, std::move(clock), std::move(committed_publishes)) {}

Worker::Worker(Opener open, bool own_files, const Options& options, UnixClock clock,
               std::function<void()> committed_publishes)
    : options_(options),
      unix_clock_(std::move(clock)),
      committed_publishes_(std::move(committed_publishes)),
      window_(quarter_of(options.flush_ms)),
      budget_(window_),
      max_wait_(window_),
      capacity_(0) {
  // The promise is the thread's: it may still be in set_value() when get() returns here.
  std::promise<void> opened;
  std::future<void> done = opened.get_future();
  thread_ = std::thread([this, own_files, open = std::move(open), opened = std::move(opened)]() mutable {
    files_apart_ = own_files && leave_shared_files();
    try {
      Opened o = open(*this);
      store_ = std::move(o.store);
      beside_ = std::move(o.beside);
      attach_store();
    } catch (...) {
      beside_.reset();
      applier_.reset();
      store_.reset();
      opened.set_exception(std::current_exception());
      return;
    }
    opened.set_value();
    run();
    // Closed on the thread that opened it (with an Opener, a descriptor's
    // number is another file, or none, on the broker thread). The listener first: it pokes the applier.
    beside_.reset();
    applier_.reset();
    store_.reset();
  });
  pthread_setname_np(thread_.native_handle(), "ota-worker");  // named in top, perf and gdb
  try {
    done.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

void Worker::attach_store() {
  transactions_ = &store_->repositories().transactions;
  applier_ = applier_for(*store_, options_);
  applier_->set_step_budget(budget_ / 2);  // a fill chunk's rows are committed in the same step
  {
    MutexLock lock(mutex_);
    capacity_ = current_capacity();
  }
  pace_sends();
  const std::string upkeep_error = store_->upkeep();  // SQLite: the checkpoints start before the first commit
  if (!upkeep_error.empty()) {
    MutexLock lock(mutex_);
    ready_locked().logs.push_back({LogLevel::Warning, "mosquitto_ota: " + upkeep_error});
  }
}

Worker::~Worker() { stop(); }

// ---- broker thread ----

bool Worker::submit_report(const ReportView& report, int64_t at_ms) {
  const size_t bytes = footprint(report);
  if (room_ <= 0 || bytes > bytes_room_ || failed_.load(std::memory_order_relaxed) ||
      leader_behind_.load(std::memory_order_relaxed)) {
    // The room granted at the last hand-over is used up (or the store failed since): hand over, and ask.
    bool wake;
    {
      MutexLock lock(mutex_);
      wake = hand_over_locked();
      if (!admit(lock, bytes)) {
        grant_room();
        if (wake) wake_.notify_one();
        return false;
      }
      grant_room();
    }
    if (wake) wake_.notify_one();
  }
  if (filling_.empty()) filling_since_ = Clock::now();
  filling_.append(report, at_ms);
  --room_;
  bytes_room_ -= bytes;
  filling_bytes_ += bytes;
  if (filling_.size() >= kHandOverReports || waiting_for_work_.load(std::memory_order_relaxed)) hand_over();
  return true;
}

bool Worker::submit(Event event) {
  if (const auto* r = std::get_if<Report>(&event)) {
    if (!submit_report(view_of(*r), r->at)) return false;
    hand_over();
    return true;
  }
  const bool barrier = is_barrier(event);
  {
    MutexLock lock(mutex_);
    hand_over_locked();  // the reports taken before it come before it
    if (queue_.empty() && inbox_.empty()) first_queued_at_ = Clock::now();
    queue_.push_back(Queued{std::move(event), 0, barrier, inbox_.size()});
    ++pending_;
    barriers_ += barrier;
    stats_.max_pending = std::max(stats_.max_pending, pending_);
    urgent_ = true;
    grant_room();
  }
  wake_.notify_one();
  return true;
}

void Worker::hand_over() {
  if (filling_.empty()) return;
  bool wake;
  {
    MutexLock lock(mutex_);
    wake = hand_over_locked();
    grant_room();
  }
  if (wake) wake_.notify_one();
}

bool Worker::hand_over_locked() {
  if (filling_.empty()) return false;
  bool wake = false;
  if (queue_.empty() && inbox_.empty()) {
    first_queued_at_ = filling_since_;
    wake = waiting_for_work_;  // with a transaction open, the worker comes for them when it is due
  }
  pending_ += static_cast<int64_t>(filling_.size());
  pending_bytes_ += filling_bytes_;
  filling_bytes_ = 0;
  inbox_.append(filling_);
  filling_.clear();
  stats_.max_pending = std::max(stats_.max_pending, pending_);
  if (!commit_now_ && pending_ >= capacity_ / 2) {
    commit_now_ = true;  // no need to wait for the window: the batch is big enough
    wake = true;
  }
  return wake;
}

void Worker::grant_room() {
  const bool open = !failed_ && !leader_behind_ && !refusing_ && barriers_ == 0;
  room_ = open ? std::max<int64_t>(0, capacity_ - pending_) : 0;
  bytes_room_ = open && pending_bytes_ < kMaxPendingBytes ? kMaxPendingBytes - pending_bytes_ : 0;
}

bool Worker::has_room(size_t bytes) const {
  return !failed_ && barriers_ == 0 && pending_ < capacity_ && pending_bytes_ + bytes <= kMaxPendingBytes;
}

bool Worker::admit(MutexLock& lock, size_t bytes) {
  if (leader_behind_) {
    // Relayed events wait for the broker that leads: refused at once, as a
    // store that cannot write, until it has caught up.
    ++stats_.refused;
    ++refused_unlogged_;
    log_refusals("the broker that leads is too far behind with this broker's events");
    return false;
  }
  if (refusing_) {
    // Refused at once, without waiting, until the backlog halved: a stalled
    // store must not make every publish wait.
    const bool drained = !failed_ && barriers_ == 0 && pending_ <= capacity_ / 2 &&
                         pending_bytes_ + bytes <= kMaxPendingBytes / 2;
    if (!drained) {
      ++stats_.refused;
      ++refused_unlogged_;
      log_refusals(failed_ ? "the database cannot be written" : "the store is behind");
      return false;
    }
    refusing_ = false;
  }
  if (has_room(bytes)) return true;
  if (!failed_) {
    // Full: the worker commits now; wait a little for the room that makes.
    ++stats_.waits;
    commit_now_ = true;
    wake_.notify_one();
    auto room_or_failed = [&]() REQUIRES(mutex_) { return failed_ || has_room(bytes); };
    // Commits that did not make room yet: the worker is draining a burst (it
    // commits every F/4 of work, a timer step may come first, and a commit
    // may take longer than measured), and a refusal, which disconnects an
    // MQTT 3.1.1 client, costs far more than waiting: wait on. No commit in
    // F/2: the store is stalled.
    bool room = false;
    int quiet = 0;  // waits in a row with no commit
    for (int wait = 0; !room && wait < kMostWaits && quiet < 2; ++wait) {
      const uint64_t commits_before = commits_;
      room = lock.wait_for(committed_, max_wait_, room_or_failed);
      quiet = commits_ == commits_before ? quiet + 1 : 0;
    }
    if (room && !failed_) return true;
  }
  refusing_ = true;
  ++stats_.refused;
  ++refused_unlogged_;
  log_refusals(failed_ ? "the database cannot be written" : "the store is behind");
  return false;
}

void Worker::log_refusals(const char* why) {
  const auto now = Clock::now();
  if (refusals_logged_at_ != Clock::time_point() && now - refusals_logged_at_ < kRefusalLogEvery) return;
  ready_locked().logs.push_back({LogLevel::Warning, "mosquitto_ota: refused " + std::to_string(refused_unlogged_) +
                                                " report(s), not acknowledged: " + why + " (" +
                                                std::to_string(pending_) + " events uncommitted, room for " +
                                                std::to_string(capacity_) + ")"});
  refused_unlogged_ = 0;
  refusals_logged_at_ = now;
}

bool Worker::idle() const {
  if (!filling_.empty()) return false;
  MutexLock lock(mutex_);
  return pending_ == 0;
}

Effects Worker::take_ready() {
  Effects out;
  if (!has_ready_.load(std::memory_order_acquire)) return out;  // every loop pass: no lock for nothing
  MutexLock lock(mutex_);
  std::swap(out, ready_);
  has_ready_.store(false, std::memory_order_relaxed);
  return out;
}

void Worker::poke() {
  {
    MutexLock lock(mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

void Worker::stop() {
  hand_over();
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  MutexLock lock(mutex_);
  ready_locked().logs.push_back({LogLevel::Info, "mosquitto_ota: back-pressure: the broker waited for room " +
                                             std::to_string(stats_.waits) + " time(s), " +
                                             std::to_string(stats_.refused) + " report(s) refused; at most " +
                                             std::to_string(stats_.max_pending) + " events uncommitted; a report " +
                                             "committed at most " + std::to_string(stats_.max_lag_ms) +
                                             " ms after it arrived; " +
                                             std::to_string(std::lround(cost_.us_per_event())) +
                                             " us per event, room for " + std::to_string(capacity_)});
}

bool Worker::all_committed() const {
  MutexLock lock(mutex_);
  return pending_ == 0 && stats_.lost_reports == 0;
}

Worker::Stats Worker::stats() const {
  MutexLock lock(mutex_);
  Stats s = stats_;
  s.capacity = capacity_;
  return s;
}

// ---- worker thread ----

void Worker::run() {
  std::vector<Queued> events, batch;
  ReportBatch reports;
  auto last_timers = Clock::now();
  while (true) {
    const auto timers_at = last_timers + timer_period();
    bool stopping;
    bool poked;
    bool commit_now = false;
    {
      MutexLock lock(mutex_);
      if (failed_) {
        lock.wait_until(wake_, retry_at_, [this]() REQUIRES(mutex_) { return stopping_; });
      } else if (open_) {
        // Reports gather in the open transaction until it is due, half the
        // capacity is pending, or something urgent comes.
        lock.wait_until(wake_, std::min(timers_at, commit_due()),
                        [this]() REQUIRES(mutex_) { return stopping_ || urgent_ || commit_now_ || poked_; });
      } else {
        waiting_for_work_ = true;
        lock.wait_until(wake_, timers_at, [this]() REQUIRES(mutex_) {
          return stopping_ || poked_ || !queue_.empty() || !inbox_.empty();
        });
        waiting_for_work_ = false;
      }
      stopping = stopping_;
      poked = std::exchange(poked_, false);
      if (!failed_) {
        std::swap(events, queue_);
        std::swap(reports, inbox_);
        urgent_ = false;
        commit_now = commit_now_;
        // The group commit is due window_ after its oldest event arrived.
        if (!open_ && (!events.empty() || !reports.empty())) oldest_at_ = first_queued_at_;
      }
    }
    if (failed_) {
      if (stopping || Clock::now() >= retry_at_) retry();
      if (failed_ && stopping) {
        give_up();
        return;
      }
      continue;
    }
    merge(reports, events, batch);
    apply(batch);
    batch.clear();
    if (failed_) continue;
    const auto now = Clock::now();
    const bool timers = poked || now >= last_timers + timer_period();
    const bool due = stopping || commit_now || !effects_.empty() || answer_awaited_ || now >= commit_due();
    if (timers || (open_ && due)) {
      commit(timers);
      if (timers) last_timers = now;
    }
    if (stopping && !failed_) {
      bool done;
      {
        MutexLock lock(mutex_);
        done = queue_.empty();
      }
      if (done) {
        say_goodbye();
        return;
      }
    }
  }
}

void Worker::say_goodbye() {
  if (!store_->cluster()) return;  // only brokers sharing a store have something to say
  try {
    if (!open_) {
      transactions_->begin();
      open_ = true;
    }
    applier_->stopping(unix_clock_(), effects_);
    commit(false);
  } catch (const std::exception& e) {
    store_failed(e, {});  // logged; what it said is lost with the broker
  }
}

void Worker::pace_sends() {
  // A device answers its first command at once, with about this many reports.
  constexpr double kReportsPerAnswer = 2;
  // The answers may take this share of the worker's time: the rest is for
  // everything else (other reports, the timers, filling the rollout, sending,
  // the other brokers' events when leading) and for error in the estimates.
  constexpr double kShareForAnswers = 0.5;
  const auto capacity = static_cast<double>(current_capacity());
  const double budgets_a_second = 1e6 / static_cast<double>(budget_.count());
  applier_->set_send_rate(capacity * budgets_a_second * kShareForAnswers / kReportsPerAnswer);
}

int64_t Worker::current_capacity() const {
  // While a rollout is under way any report may be a transition: room for
  // what those cost, whatever the mix so far was.
  return cost_.capacity(budget_, applier_->rollout_under_way());
}

void Worker::merge(ReportBatch& reports, std::vector<Queued>& events, std::vector<Queued>& work) {
  ReportBatch::Reader reader(reports);
  size_t taken = 0;
  auto take_reports_until = [&](size_t count) {
    for (; taken < count; ++taken) {
      int64_t at_ms = 0;
      ReportView view = reader.next(at_ms);
      work.push_back(Queued{to_report(view, at_ms), footprint(view), false, 0});
    }
  };
  for (auto& event : events) {
    take_reports_until(event.reports_before);
    work.push_back(std::move(event));
  }
  take_reports_until(reports.size());
  events.clear();
  reports.clear();
}

void Worker::apply(std::vector<Queued>& work) {
  // One clock read per event (it ends one and starts the next): reads are a
  // measurable share of what a report costs here.
  const auto started = Clock::now();
  const int64_t started_ms = unix_clock_();
  auto last = started;
  auto since_commit = started;
  auto unix_now = [&] {
    return started_ms + std::chrono::duration_cast<std::chrono::milliseconds>(last - started).count();
  };
  auto keep_for_retry = [&](size_t from) {
    std::move(work.begin() + static_cast<std::ptrdiff_t>(from), work.end(), std::back_inserter(retry_));
  };
  size_t i = 0;
  while (i < work.size()) {
    const bool barrier = work[i].barrier;
    // What was accepted before a request of unknown length is committed first.
    if (barrier && !txn_.empty()) {
      if (!commit(false)) return keep_for_retry(i);
      last = Clock::now();
    }
    Applied applied = Applied::Done;
    const bool report = std::holds_alternative<Report>(work[i].event);
    const size_t publishes_before = effects_.publishes.size();
    try {
      if (!open_ || i == 0) {  // a transaction begins, or stays open for these events too
        begin_for(work, i);
        const auto begun = Clock::now();
        txn_work_ += begun - last;  // the transaction's work, not the first event's
        last = begun;
      }
      applied = apply_one(work[i], unix_now());
    } catch (const std::exception& e) {  // the store cannot write
      std::vector<Queued> rest(std::make_move_iterator(work.begin() + static_cast<std::ptrdiff_t>(i)),
                               std::make_move_iterator(work.end()));
      store_failed(e, std::move(rest));
      return;
    }
    const auto now = Clock::now();
    if (applied == Applied::Done && report && effects_.publishes.size() > publishes_before) txn_.back().moved = true;
    if (applied == Applied::Done && std::holds_alternative<AdminRequest>(txn_.back().event)) answer_awaited_ = true;
    if (applied == Applied::RolledBack) {
      // The transaction was rolled back to drop that event: the ones before it
      // are applied again, one savepoint each, then the rest.
      std::vector<Queued> again = std::move(txn_);
      txn_.clear();
      std::move(work.begin() + static_cast<std::ptrdiff_t>(i) + 1, work.end(), std::back_inserter(again));
      work.swap(again);
      i = 0;
      last = now;
      continue;
    }
    txn_work_ += now - last;
    last = now;
    ++i;
    // A long batch is committed every budget_ of work, so that none of it waits long.
    if (barrier || now - since_commit >= budget_) {
      if (!commit(false)) return keep_for_retry(i);
      since_commit = last = Clock::now();
    }
  }
}

void Worker::begin_for(const std::vector<Queued>& work, size_t from) {
  if (!open_) {
    transactions_->begin();
    open_ = true;
  }
  std::vector<const Event*> events;
  events.reserve(work.size() - from);
  for (size_t i = from; i < work.size(); ++i) events.push_back(&work[i].event);
  applier_->prefetch(events);
}

Worker::Applied Worker::apply_one(Queued& item, int64_t now_ms) {
  if (!open_) {
    transactions_->begin();
    open_ = true;
  }
  const size_t publishes = effects_.publishes.size();
  const size_t logs = effects_.logs.size();
  auto failed = [&](const std::exception& e) {
    if (careful_) {
      transactions_->rollback_to();
      effects_.publishes.resize(publishes);
      effects_.logs.resize(logs);
      applier_->resync();
      drop(item, e);
      return Applied::Dropped;
    }
    // No savepoint (they cost as much as the event itself): the whole
    // transaction goes back, and the caller applies its events again.
    transactions_->rollback();
    open_ = false;
    effects_ = Effects();
    txn_work_ = {};
    applier_->resync();
    careful_ = true;
    drop(item, e);
    return Applied::RolledBack;
  };
  if (careful_) transactions_->savepoint();
  try {
    applier_->handle(item.event, now_ms, effects_);
    if (careful_) transactions_->release();
  } catch (const StoreError& e) {
    if (e.storage_fault()) throw;
    return failed(e);
  } catch (const std::exception& e) {
    return failed(e);
  }
  txn_.push_back(std::move(item));
  return Applied::Done;
}

void Worker::drop(Queued& item, const std::exception& e) {
  const bool report = std::holds_alternative<Report>(item.event);
  MutexLock lock(mutex_);
  ready_locked().logs.push_back(
      {LogLevel::Error, "mosquitto_ota: " + describe(item.event) + " failed, nothing of it kept: " + e.what()});
  --pending_;
  pending_bytes_ -= item.bytes;
  barriers_ -= item.barrier;
  if (report) ++stats_.lost_reports;
}

void Worker::run_timers() {
  const size_t publishes = effects_.publishes.size();
  const size_t logs = effects_.logs.size();
  auto undo = [&](const std::exception& e) {
    transactions_->rollback_to();
    effects_.publishes.resize(publishes);
    effects_.logs.resize(logs);
    applier_->resync();
    MutexLock lock(mutex_);
    ready_locked().logs.push_back({LogLevel::Error, std::string("mosquitto_ota: timers failed, nothing of them kept: ") +
                                                e.what()});
  };
  transactions_->savepoint();
  try {
    applier_->tick(unix_clock_(), effects_, Clock::now() + budget_);
    transactions_->release();
  } catch (const StoreError& e) {
    if (e.storage_fault()) throw;
    undo(e);
  } catch (const std::exception& e) {
    undo(e);
  }
}

bool Worker::commit(bool timers_due) {
  // The events first: they do not wait for the timers, nor pay for their writes.
  if (timers_due && !txn_.empty() && !commit(false)) return false;
  Clock::duration took{};
  try {
    if (!open_) {
      transactions_->begin();
      open_ = true;
    }
    if (timers_due) run_timers();
    applier_->before_commit(effects_);
    const auto started = Clock::now();
    transactions_->commit();
    open_ = false;
    took = Clock::now() - started;
  } catch (const std::exception& e) {
    store_failed(e, {});
    return false;
  }
  applier_->after_commit();
  int64_t events = static_cast<int64_t>(txn_.size());
  size_t bytes = 0;
  int barriers = 0;
  uint64_t transitions = 0;
  int64_t oldest_report = INT64_MAX;
  for (const auto& q : txn_) {
    bytes += q.bytes;
    barriers += q.barrier;
    transitions += q.moved;
    if (const auto* r = std::get_if<Report>(&q.event)) oldest_report = std::min(oldest_report, r->at);
  }
  const int64_t lag_ms = oldest_report == INT64_MAX ? 0 : unix_clock_() - oldest_report;
  // A request of unknown length (committed alone) says nothing of what reports cost.
  if (events > 0 && barriers == 0) cost_.record_commit(static_cast<uint64_t>(events), txn_work_ + took, transitions);
  txn_.clear();
  txn_work_ = {};
  careful_ = false;
  answer_awaited_ = false;
  Effects committed;
  std::swap(committed, effects_);
  const bool publishes = !committed.publishes.empty();
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  if (took_ms >= 1000) {
    committed.logs.push_back({LogLevel::Info, "mosquitto_ota: a large commit took " + std::to_string(took_ms) + " ms"});
  }
  const int64_t capacity = current_capacity();
  pace_sends();
  {
    MutexLock lock(mutex_);
    pending_ -= events;
    pending_bytes_ -= bytes;
    stats_.max_lag_ms = std::max(stats_.max_lag_ms, lag_ms);
    barriers_ -= barriers;
    capacity_ = capacity;
    leader_behind_ = applier_->behind();
    commit_now_ = false;
    ++commits_;
    if (failed_) {
      failed_ = false;
      ready_locked().logs.push_back({LogLevel::Info, "mosquitto_ota: writing the database works again after " +
                                                 std::to_string(seconds_since(failed_at_)) +
                                                 " s: the events kept meanwhile are committed, reports are "
                                                 "accepted again"});
    }
    ready_locked().append(std::move(committed));
  }
  committed_.notify_all();
  if (publishes && committed_publishes_) committed_publishes_();
  const std::string upkeep_error = store_->upkeep();
  const auto now = Clock::now();
  if (!upkeep_error.empty() && (upkeep_error_logged_at_ == Clock::time_point() ||
                                now - upkeep_error_logged_at_ >= kFailureLogEvery)) {
    upkeep_error_logged_at_ = now;
    MutexLock lock(mutex_);
    ready_locked().logs.push_back({LogLevel::Warning, "mosquitto_ota: " + upkeep_error});
  }
  return true;
}

void Worker::store_failed(const std::exception& e, std::vector<Queued>&& unapplied) {
  try {
    transactions_->rollback();
  } catch (const std::exception&) {
    // SQLite may have rolled the transaction back itself.
  }
  open_ = false;
  careful_ = false;
  answer_awaited_ = false;
  txn_work_ = {};
  effects_ = Effects();  // made again when the events are applied again
  std::move(txn_.begin(), txn_.end(), std::back_inserter(retry_));
  txn_.clear();
  std::move(unapplied.begin(), unapplied.end(), std::back_inserter(retry_));
  try {
    applier_->resync();
    resync_needed_ = false;
  } catch (const std::exception&) {
    resync_needed_ = true;  // before the retry
  }
  const auto now = Clock::now();
  retry_at_ = now + kRetryEvery;
  {
    MutexLock lock(mutex_);
    if (!failed_) {
      failed_ = true;
      failed_at_ = failure_logged_at_ = now;
      ready_locked().logs.push_back({LogLevel::Error, "mosquitto_ota: cannot write the database " + store_->name() + ": " +
                                                  e.what() + ". Reports are refused until it works again; the " +
                                                  std::to_string(pending_) +
                                                  " accepted events not yet committed are kept and retried every " +
                                                  std::to_string(kRetryEvery.count()) + " s"});
    } else if (now - failure_logged_at_ >= kFailureLogEvery) {
      failure_logged_at_ = now;
      ready_locked().logs.push_back({LogLevel::Error, "mosquitto_ota: still cannot write the database after " +
                                                  std::to_string(seconds_since(failed_at_)) + " s: " + e.what()});
    }
  }
  committed_.notify_all();  // a submit waiting for room refuses now
}

void Worker::retry() {
  if (resync_needed_) {
    try {
      applier_->resync();
      resync_needed_ = false;
    } catch (const std::exception&) {
      retry_at_ = Clock::now() + kRetryEvery;
      return;
    }
  }
  std::vector<Queued> work;
  work.swap(retry_);
  apply(work);
  if (!retry_.empty()) return;  // failed again: they are kept
  // With the timers: when nothing was kept, their writes tell whether writing works.
  commit(true);
}

void Worker::give_up() {
  MutexLock lock(mutex_);
  uint64_t reports = 0;
  for (const auto* list : {&retry_, &queue_}) {
    for (const auto& q : *list) reports += std::holds_alternative<Report>(q.event);
  }
  reports += inbox_.size();
  stats_.lost_reports += reports;
  ready_locked().logs.push_back({LogLevel::Error, "mosquitto_ota: stopping with the database still not writable: " +
                                              std::to_string(reports) + " accepted report(s) and " +
                                              std::to_string(static_cast<uint64_t>(pending_) - reports) +
                                              " other event(s) were not committed"});
  pending_ = 0;
  pending_bytes_ = 0;
  barriers_ = 0;
  retry_.clear();
  queue_.clear();
  inbox_.clear();
}

}  // namespace ota
