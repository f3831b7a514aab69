#!/usr/bin/env python3
"""Flood: a few devices pipeline QoS 1 reports as fast as their connections
take them (bench/flood, raw MQTT 5), to check and measure what the broker
acknowledges when the store cannot keep up.

  --kill:  SIGKILL the broker right after a PUBACK, restart it on the same
           database, and check that every report acknowledged more than
           flush_ms + 100 ms before the kill is stored: for statuses (only the
           latest is kept) that each device's stored status is at least as new
           as its newest such report; for progress reports that each of them is
           in the device's history. Exits non-zero on any loss.
  --fill N: N devices of another product are written into the database before
           start, and createUpgrade over that product runs while the reports
           flow; with --kill the kill comes while its executions are still
           being created.
  without --kill: measures acknowledged reports/s, refusals, how long after its
           arrival a report was committed (the worker's own measure, from the
           broker log; and as seen by a reader polling the database), and the
           broker's peak RSS.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BUILD, Broker, admin_request, make_passwd  # noqa: E402
from fleet import populate  # noqa: E402

FLOOD = os.path.join(BUILD, "bench", "flood")
PRODUCT = "flood"


def read_acks(path):
    """{device index: [(seq, unix_us, reason), ...]} in order."""
    acks = defaultdict(list)
    with open(path) as f:
        for line in f:
            d, seq, at, rc = line.split()
            acks[int(d)].append((int(seq), int(at), int(rc)))
    return acks


class Poller(threading.Thread):
    """Samples, every ~10 ms, what each device has committed and the broker's RSS."""

    def __init__(self, broker, kind):
        super().__init__(daemon=True)
        self.broker, self.kind = broker, kind
        self.samples = []  # (unix_us, {device index: newest seq (status) or count (progress)})
        self.rss_peak_mb = 0.0
        self.stop = threading.Event()

    def run(self):
        conn = sqlite3.connect(f"file:{self.broker.db}?mode=ro", uri=True, timeout=5)
        counts, last_id = defaultdict(int), 0
        while not self.stop.is_set():
            try:
                if self.kind == "status":
                    rows = conn.execute("SELECT device, json_extract(status, '$.app_ver') FROM devices "
                                        "WHERE product = ?", (PRODUCT,)).fetchall()
                    seen = {int(d[1:]): int(v) for d, v in rows if v is not None}
                else:
                    rows = conn.execute("SELECT id, device, n FROM progress_chunks WHERE id > ? AND product = ?",
                                        (last_id, PRODUCT)).fetchall()
                    for i, d, n in rows:
                        last_id = max(last_id, i)
                        counts[int(d[1:])] += n
                    seen = dict(counts)
                self.samples.append((int(time.time() * 1e6), seen))
            except sqlite3.OperationalError:
                pass
            try:
                self.rss_peak_mb = max(self.rss_peak_mb, self.broker.rss_mb())
            except OSError:
                pass
            time.sleep(0.01)
        conn.close()


def commit_lag_ms(acks, samples, kind):
    """The longest a report waited, after its acknowledgement, to be seen committed."""
    worst = 0.0
    for d, rows in acks.items():
        j, accepted = 0, 0
        for seq, at, rc in rows:
            if rc >= 128:
                continue
            accepted += 1
            want = seq if kind == "status" else accepted
            while j < len(samples) and samples[j][1].get(d, 0) < want:
                j += 1
            if j == len(samples):
                return float("inf")
            worst = max(worst, (samples[j][0] - at) / 1000)
    return worst


def stored_progress(db):
    """{device index: set of seqs in its history}."""
    conn = sqlite3.connect(db)
    out = defaultdict(set)
    for device, reports in conn.execute("SELECT device, reports FROM progress_chunks WHERE product = ?", (PRODUCT,)):
        out[int(device[1:])].update(int(r["desc"]) for r in json.loads(reports))
    conn.close()
    return out


def stored_status(db):
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT device, json_extract(status, '$.app_ver') FROM devices WHERE product = ?",
                        (PRODUCT,)).fetchall()
    conn.close()
    return {int(d[1:]): int(v) for d, v in rows}


def check_kill(db, kind, acks, cutoff_us):
    """Every report acknowledged (reason 0) by cutoff_us is stored; returns the failures."""
    failures, checked = [], 0
    if kind == "status":
        stored = stored_status(db)
        for d, rows in acks.items():
            newest = max((seq for seq, at, rc in rows if rc < 128 and at <= cutoff_us), default=0)
            checked += newest > 0
            if stored.get(d, 0) < newest:
                failures.append(f"d{d}: newest acknowledged status {newest}, stored {stored.get(d)}")
    else:
        stored = stored_progress(db)
        for d, rows in acks.items():
            have = stored.get(d, set())
            oldest_kept = min(have) if have else 0  # the history cap drops the oldest
            due = [seq for seq, at, rc in rows if rc < 128 and at <= cutoff_us and seq >= oldest_kept]
            checked += len(due)
            missing = [seq for seq in due if seq not in have]
            if missing:
                failures.append(f"d{d}: {len(missing)} acknowledged progress reports missing, first {missing[:5]}")
    return failures, checked


def start_broker(passwd, work, args, kind):
    opts = {"flush_ms": args.flush_ms}
    if kind == "progress":
        # Room for the whole flood in each device's history, where the option exists.
        broker = Broker(passwd, True, dict(opts, progress_history=100000), db_dir=work)
        try:
            broker.start()
            return broker
        except RuntimeError as e:
            broker.cleanup()
            if "progress_history" not in str(e):
                raise
    broker = Broker(passwd, True, opts, db_dir=work)
    broker.start()
    return broker


def create_fleet_job(port):
    _, out = admin_request(port, [{"command": "createUpgrade", "product": "fleet", "type": "firmware",
                                   "version": "1.1", "url": "https://files.example.com/fw.bin",
                                   "md5": "9e107d9d372bb6826bd81d3542a419d6", "size": 1}])
    return json.loads(out)["responses"][0]


def wait_for_fill_under_way(db, job_id, timeout=10):
    """Until the job's first executions are committed (the fill has begun)."""
    conn = sqlite3.connect(db, timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if conn.execute("SELECT 1 FROM executions WHERE job_id = ? LIMIT 1", (job_id,)).fetchone():
                return
            time.sleep(0.001)
    finally:
        conn.close()


def run(args, kind):
    work = tempfile.mkdtemp(prefix="ota-flood-")
    passwd = os.path.join(work, "passwd")
    make_passwd(passwd, [f"{PRODUCT}/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    if args.fill:
        schema = Broker(passwd, True, db_dir=work)
        schema.start()
        schema.stop()
        populate(schema.db, args.fill)
    broker = start_broker(passwd, work, args, kind)
    ack_log = os.path.join(work, "acks")
    cmd = [FLOOD, str(broker.port), PRODUCT, str(args.devices), str(args.seconds), kind, ack_log]
    if args.kill:
        cmd += [str(broker.proc.pid), "-1" if args.fill else str(int(args.kill_after * 1000))]
    poller = Poller(broker, kind)
    poller.start()
    flood = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert flood.stdout.readline().strip() == "ready", "the devices did not connect"
    job, filled_at_kill = None, None
    if args.fill:
        time.sleep(1)
        t0 = time.monotonic()
        job = create_fleet_job(broker.port)
        print(f"createUpgrade over {args.fill} devices answered in {time.monotonic() - t0:.2f} s: "
              f"{job.get('data', job)}", flush=True)
        if args.kill and "data" in job:
            # The kill must come mid-fill, however fast the machine fills: as soon as it began.
            wait_for_fill_under_way(broker.db, job["data"]["jobId"])
            flood.send_signal(signal.SIGUSR1)  # the kill comes right after the next PUBACK
    out, _ = flood.communicate(timeout=args.seconds + 120)
    summary = dict(kv.split("=") for kv in out.split("summary ", 1)[1].split())
    acks = read_acks(ack_log)
    if not args.kill:  # until everything acknowledged is seen committed
        want = {d: (max(s for s, _, rc in rows if rc < 128) if kind == "status" else sum(rc < 128 for _, _, rc in rows))
                for d, rows in acks.items() if any(rc < 128 for _, _, rc in rows)}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
                poller.samples and all(poller.samples[-1][1].get(d, 0) >= n for d, n in want.items())):
            time.sleep(0.05)
    poller.stop.set()
    poller.join()
    result = {"kind": kind, "acked": int(summary["acked"]) - int(summary["refused"]),
              "refused": int(summary["refused"]), "rate": float(summary["rate"]), "rss_peak_mb": poller.rss_peak_mb}
    failures = []
    if args.kill:
        killed_at = int(summary["killed_at_us"])
        if not killed_at:
            failures.append("the broker was not killed")
        broker.proc.wait()
        if args.fill and job and "data" in job:
            conn = sqlite3.connect(broker.db)
            filled_at_kill = conn.execute("SELECT COUNT(*) FROM executions WHERE job_id = ?",
                                          (job["data"]["jobId"],)).fetchone()[0]
            conn.close()
            if filled_at_kill >= job["data"]["targeted"]:
                failures.append("the fill had finished before the kill: nothing tested mid-fill")
        broker = start_broker(passwd, work, args, kind)  # recovers the database as a restart would
        broker.stop()
        cutoff = killed_at - (args.flush_ms + 100) * 1000
        lost, checked = check_kill(broker.db, kind, acks, cutoff)
        failures += lost
        result.update(checked=checked, lost=len(lost), filled_at_kill=filled_at_kill)
    else:
        # Seen by a reader polling every 10 ms: an upper bound (on a loaded
        # machine its own read can wait ~1 s for SQLite's locks).
        result["lag_seen_worst_ms"] = commit_lag_ms(acks, poller.samples, kind)
        broker.stop()
        log = broker.log()
        measured = re.search(r"committed at most (\d+) ms after it arrived", log)
        # Measured by the worker, from a report's arrival (before it was acknowledged) to its commit.
        result["lag_worst_ms"] = int(measured.group(1)) if measured else None
        if args.fill and job and "data" in job:
            result["fill"] = [line.split(": ", 1)[1] for line in log.splitlines() if "created for product" in line]
        result["broker_log_refusals"] = [line.split(": ", 1)[1] for line in log.splitlines() if "refused" in line][:3]
    broker.cleanup()
    shutil.rmtree(work, ignore_errors=True)
    return result, failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["status", "progress", "both"], default="both")
    p.add_argument("--devices", type=int, default=5)
    p.add_argument("--seconds", type=float, default=6, help="how long the devices publish (without --kill)")
    p.add_argument("--kill", action="store_true")
    p.add_argument("--kill-after", type=float, default=3.0,
                   help="seconds after the flood began (with --fill the kill comes as soon as the fill began)")
    p.add_argument("--fill", type=int, default=0, help="devices of the product a createUpgrade targets meanwhile")
    p.add_argument("--flush-ms", type=int, default=200)
    args = p.parse_args()
    if args.kill:
        args.seconds = 600  # until the kill
    kinds = ["status", "progress"] if args.kind == "both" else [args.kind]
    failures = []
    for kind in kinds:
        result, failed = run(args, kind)
        print(json.dumps(result), flush=True)
        failures += failed
    print("RESULT:", "PASS" if not failures else f"FAIL {failures[:10]}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
