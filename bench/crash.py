#!/usr/bin/env python3
"""Crash test: a 1,000-device upgrade while the broker is killed with SIGKILL
at random moments (and once stopped with SIGTERM), restarted each time on the
same database.

Devices (the load generator) answer each command after a random delay, record
what they installed in a state file that survives restarts, and report their
new version at every boot, as real devices do. Checked after each kill: every
new-version report acknowledged more than flush_ms + 100 ms before a SIGKILL
(and every one before a SIGTERM) is in the database. Checked at the end: the
job completed with every execution succeeded, none lost, none duplicated.
Exits non-zero on any failure.
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, Broker, admin_request, make_passwd  # noqa: E402


class Devices:
    """The load generator in device mode, and what it reported as acknowledged."""

    def __init__(self, port, count, delay_ms, state_file):
        self.acked = {}  # device -> unix ms its new version report was acknowledged
        self.ready = threading.Event()
        self.proc = subprocess.Popen([LOADGEN, "devices", str(port), "crash", "1", str(count), "1.0", "600",
                                      str(delay_ms), state_file], stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("ready"):
                self.ready.set()
            elif line.startswith("acked_status"):
                _, device, at = line.split()
                self.acked[device] = int(at)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.reader.join()


def stored_versions(db_path):
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT device, json_extract(status, '$.firmware_ver') FROM devices WHERE product='crash'")
    versions = dict(rows.fetchall())
    conn.close()
    return versions


def check_acked_are_stored(db_path, acked, before_ms, what):
    versions = stored_versions(db_path)
    missing = [d for d, at in acked.items() if at <= before_ms and versions.get(d) != "1.1"]
    considered = sum(1 for at in acked.values() if at <= before_ms)
    print(f"  {what}: {considered} acknowledged new-version reports to check, {len(missing)} missing", flush=True)
    return missing


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=1000)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--flush-ms", type=int, default=200)
    p.add_argument("--answer-delay-ms", type=int, default=20000, help="devices act within this after a command")
    p.add_argument("--seed", type=int, default=int(time.time()))
    args = p.parse_args()
    random.seed(args.seed)
    print(f"crash test: {args.devices} devices, {args.kills} SIGKILLs + 1 SIGTERM, flush_ms {args.flush_ms}, "
          f"seed {args.seed}", flush=True)

    work = tempfile.mkdtemp(prefix="ota-crash-")
    passwd = os.path.join(work, "passwd")
    make_passwd(passwd, [f"crash/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    state_file = os.path.join(work, "installed")
    opts = {"flush_ms": args.flush_ms, "resend_seconds": 2}
    broker = Broker(passwd, True, opts, db_dir=work)
    broker.start()
    devices = Devices(broker.port, args.devices, args.answer_delay_ms, state_file)
    assert devices.ready.wait(60), "devices did not connect"
    _, out = admin_request(broker.port, [{"command": "createUpgrade", "product": "crash", "type": "firmware",
                                          "version": "1.1", "url": "https://files.example.com/fw.bin",
                                          "md5": "9e107d9d372bb6826bd81d3542a419d6", "size": 1}])
    job = json.loads(out)["responses"][0]["data"]
    print(f"job {job['jobId']}: {job['targeted']} targeted", flush=True)
    failures = []
    if job["targeted"] != args.devices:
        failures.append(f"targeted {job['targeted']}")

    stops = ["KILL"] * args.kills
    stops.insert(random.randrange(len(stops)), "TERM")
    for n, how in enumerate(stops, 1):
        time.sleep(random.uniform(0.3, 2.0))
        t_stop = int(time.time() * 1000)
        broker.stop(signal.SIGKILL if how == "KILL" else signal.SIGTERM)
        devices.stop()
        acked = dict(devices.acked)
        margin = args.flush_ms + 100 if how == "KILL" else 0
        print(f"stop {n}: SIG{how} with {len(acked)} devices upgraded and acknowledged", flush=True)
        failures += check_acked_are_stored(broker.db, acked, t_stop - margin,
                                           f"acknowledged more than {margin} ms before SIG{how}")
        broker = Broker(passwd, True, opts, db_dir=work)
        broker.start()
        devices = Devices(broker.port, args.devices, args.answer_delay_ms, state_file)
        assert devices.ready.wait(60), "devices did not reconnect"

    deadline = time.time() + args.answer_delay_ms / 1000 + 60
    state = None
    while time.time() < deadline:
        _, out = admin_request(broker.port, [{"command": "getJob", "jobId": job["jobId"]}])
        state = json.loads(out)["responses"][0]["data"]
        if state["state"] == "completed":
            break
        time.sleep(0.5)
    print(f"job: {state['state']}, total {state['total']}, counts {state['counts']}", flush=True)
    devices.stop()
    broker.stop()
    conn = sqlite3.connect(broker.db)
    rows, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT device) FROM executions WHERE job_id=?",
                                  (job["jobId"],)).fetchone()
    conn.close()
    if state["state"] != "completed" or state["counts"]["succeeded"] != args.devices:
        failures.append("job did not complete with every device succeeded")
    if rows != args.devices or distinct != args.devices:
        failures.append(f"{rows} executions for {distinct} devices: lost or duplicated")
    print(f"executions: {rows} rows, {distinct} devices", flush=True)
    broker.cleanup()
    print("RESULT:", "PASS" if not failures else f"FAIL {failures[:10]}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
