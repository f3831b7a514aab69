#!/usr/bin/env python3
"""Dispatch: one job over 10,000 connected simulated devices that answer at once
(progress 100, then their new version). Prints how long until every device had
its command, until the job completed with every execution succeeded, and the rate.
"""
import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BUILD, LOADGEN, Broker, make_passwd  # noqa: E402

ADMIN_LATENCY = os.path.join(BUILD, "bench", "admin_latency")


def admin(port, commands):
    out = subprocess.run([ADMIN_LATENCY, str(port), "admin", "secret", "1", json.dumps({"commands": commands})],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.split("response ", 1)[1])["responses"][0]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=10000)
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 2 sockets per device on this machine
    work = tempfile.mkdtemp(prefix="ota-dispatch-")
    passwd = os.path.join(work, "passwd")
    make_passwd(passwd, [f"dispatch/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    broker = Broker(passwd, True, {"resend_seconds": 30}, db_dir=work)
    broker.start()

    # libmosquitto takes 3 descriptors per client: 5,000 devices per generator process.
    per_process = 5000
    procs, ready_flags, counts = [], [], []
    lock = threading.Lock()

    def read(proc, index, ready):
        for line in proc.stdout:
            if line.startswith("ready"):
                ready.set()
            elif line.startswith("upgraded"):
                with lock:
                    counts[index] = int(line.split()[2])

    for index, first in enumerate(range(1, args.devices + 1, per_process)):
        n = min(per_process, args.devices + 1 - first)
        proc = subprocess.Popen([LOADGEN, "devices", str(broker.port), "dispatch", str(first), str(n), "1.0", "600"],
                                stdout=subprocess.PIPE, text=True)
        ready = threading.Event()
        procs.append(proc)
        ready_flags.append(ready)
        counts.append(0)
        threading.Thread(target=read, args=(proc, index, ready), daemon=True).start()
    t0 = time.monotonic()
    assert all(r.wait(300) for r in ready_flags), "devices did not connect"
    print(f"{args.devices} devices connected in {time.monotonic() - t0:.1f} s", flush=True)
    conn = sqlite3.connect(f"file:{broker.db}?mode=ro", uri=True)
    while conn.execute("SELECT COUNT(*) FROM devices WHERE product='dispatch'").fetchone()[0] < args.devices:
        time.sleep(0.05)

    t_create = time.monotonic()
    created = admin(broker.port, [{"command": "createUpgrade", "product": "dispatch", "type": "firmware",
                                   "version": "1.1", "url": "https://files.example.com/fw.bin",
                                   "md5": "9e107d9d372bb6826bd81d3542a419d6", "size": 1}])["data"]
    t_answer = time.monotonic() - t_create
    job = created["jobId"]
    print(f"createUpgrade answered in {t_answer:.2f} s, targeted {created['targeted']}", flush=True)
    state = {}
    while time.monotonic() - t_create < 600:
        state = admin(broker.port, [{"command": "getJob", "jobId": job}])["data"]
        if state["state"] == "completed":
            break
        time.sleep(0.1)
    t_done = time.monotonic() - t_create
    print(f"job {state['state']} with {state['counts']['succeeded']} succeeded of {state['total']}: "
          f"{t_done:.2f} s end to end, {state['total'] / t_done:.0f} upgrades/s")
    print(f"broker memory {broker.rss_mb():.0f} MB")
    for proc in procs:
        proc.kill()
    broker.cleanup()
    ok = state.get("state") == "completed" and state["counts"]["succeeded"] == args.devices
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
