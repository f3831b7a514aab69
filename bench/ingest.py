#!/usr/bin/env python3
"""Ingest benchmark: the same load of device progress reports (and, with
--status-every N, every N-th report of a device a status report) against a bare
broker and against the broker with the plugin, interleaved, several runs.

Prints per run and as medians: acknowledged reports/s, the ratio plugin/bare,
broker CPU per message, and for the plugin how long after its acknowledgement
a report was committed to SQLite (the worst over the run, and at the end).
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, Broker, make_passwd, median  # noqa: E402


def poll_commits(db_path, samples, stop):
    """Records (unix_ms, committed reports) every ~10 ms from a read-only connection."""
    while not os.path.exists(db_path) and not stop.is_set():
        time.sleep(0.01)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    last_id, n = 0, 0
    while not stop.is_set():
        try:
            # Only the chunks committed since the last look: each holds n reports.
            top, more = conn.execute("SELECT MAX(id), SUM(n) FROM progress_chunks WHERE id > ?", (last_id,)).fetchone()
            if top is not None:
                last_id, n = top, n + more
            samples.append((int(time.time() * 1000), n))
        except sqlite3.OperationalError:
            pass
        time.sleep(0.01)
    conn.close()


def commit_lag_ms(acks, commits):
    """For each acknowledgement sample (t, n): how long until n reports were committed."""
    worst, j = 0, 0
    for t, n in acks:
        while j < len(commits) and commits[j][1] < n:
            j += 1
        if j == len(commits):
            return float("inf")
        worst = max(worst, commits[j][0] - t)
    return worst


def run_once(passwd, with_plugin, args):
    broker = Broker(passwd, with_plugin, {"flush_ms": args.flush_ms, "progress_history": args.progress_history})
    broker.start()
    stop, commits = threading.Event(), []
    poller = None
    if with_plugin:
        poller = threading.Thread(target=poll_commits, args=(broker.db, commits, stop))
        poller.start()
    proc = subprocess.Popen([LOADGEN, "ingest", str(broker.port), "bench", "1", str(args.devices), str(args.seconds),
                             str(args.qos), str(args.window), str(args.status_every)],
                            stdout=subprocess.PIPE, text=True)
    acks, summary, cpu0 = [], "", None
    for line in proc.stdout:
        if line.startswith("ready"):
            cpu0, thread0 = broker.cpu_seconds(), broker.cpu_seconds(broker_thread_only=True)
        elif line.startswith("acked"):
            _, t, n, statuses = line.split()
            acks.append((int(t), int(n) - int(statuses)))  # progress reports: they are counted in SQLite
        elif line.startswith("summary"):
            summary = line
    proc.wait()
    cpu = broker.cpu_seconds() - cpu0
    thread_cpu = broker.cpu_seconds(broker_thread_only=True) - thread0
    fields = dict(kv.split("=") for kv in summary.split()[1:])
    reports, rate = int(fields["acked"]), float(fields["rate"])
    acked = reports - int(fields["acked_status"])  # progress reports, the ones counted in SQLite
    result = {"rate": rate, "cpu_us_per_msg": cpu / max(1, reports) * 1e6,
              "thread_us_per_msg": thread_cpu / max(1, reports) * 1e6, "acked": acked}
    if with_plugin:
        deadline = time.time() + 30
        while time.time() < deadline and (not commits or commits[-1][1] < acked):
            time.sleep(0.01)
        stop.set()
        poller.join()
        result["lag_worst_ms"] = commit_lag_ms(acks, commits)
        result["lag_final_ms"] = commit_lag_ms(acks[-1:], commits)
        result["committed"] = commits[-1][1] if commits else 0
    broker.cleanup()
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--qos", type=int, default=1)
    p.add_argument("--window", type=int, default=10, help="messages in flight per device")
    p.add_argument("--flush-ms", type=int, default=200)
    p.add_argument("--progress-history", type=int, default=1000,
                   help="progress reports kept per device (past it, each commit trims a device's oldest chunk)")
    p.add_argument("--status-every", type=int, default=0,
                   help="every N-th report of a device is a status report (0: progress only)")
    args = p.parse_args()

    passwd = os.path.join(tempfile.mkdtemp(prefix="ota-bench-"), "passwd")
    make_passwd(passwd, [f"bench/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    bare, plugin = [], []
    for run in range(args.runs):
        order = [False, True] if run % 2 == 0 else [True, False]  # interleaved
        for with_plugin in order:
            r = run_once(passwd, with_plugin, args)
            (plugin if with_plugin else bare).append(r)
            extra = (f" lag_worst={r['lag_worst_ms']:.0f}ms lag_final={r['lag_final_ms']:.0f}ms "
                     f"committed={r['committed']}/{r['acked']}") if with_plugin else ""
            print(f"run {run + 1} {'plugin' if with_plugin else 'bare  '}: {r['rate']:.0f} reports/s, "
                  f"CPU per report: broker thread {r['thread_us_per_msg']:.1f} us, whole process "
                  f"{r['cpu_us_per_msg']:.1f} us{extra}", flush=True)
    rb, rp = median([r["rate"] for r in bare]), median([r["rate"] for r in plugin])
    print(f"\n{args.devices} devices, QoS {args.qos}, window {args.window}, {args.seconds:.0f} s x {args.runs} runs, "
          f"flush_ms {args.flush_ms}" + (f", every {args.status_every}th report a status" if args.status_every else ""))
    for name, rs, rate in (("bare  ", bare, rb), ("plugin", plugin, rp)):
        print(f"median {name}: {rate:.0f} reports/s, CPU per report: broker thread "
              f"{median([r['thread_us_per_msg'] for r in rs]):.1f} us, whole process "
              f"{median([r['cpu_us_per_msg'] for r in rs]):.1f} us")
    # Each run's pair ran back to back: its ratio is the least disturbed by the
    # machine's slower swings, so the median of those is the headline.
    pair_ratios = sorted(p["rate"] / b["rate"] for p, b in zip(plugin, bare))
    print(f"ratio plugin/bare: {median(pair_ratios):.3f} (median of the runs' ratios; ratio of the medians "
          f"{rp / rb:.3f}; runs {min(pair_ratios):.3f}..{max(pair_ratios):.3f})")
    print(f"commit lag after ack (plugin): worst {max(r['lag_worst_ms'] for r in plugin):.0f} ms, "
          f"median of run worsts {median([r['lag_worst_ms'] for r in plugin]):.0f} ms "
          f"(bar: flush_ms + 100 = {args.flush_ms + 100} ms)")


if __name__ == "__main__":
    main()
