#!/usr/bin/env python3
"""Proves the broker thread does no disk I/O with the plugin under load.

Runs the ingest load against the broker with the plugin while strace follows
every thread, then counts, per thread, the syscalls that write or sync the
database files (write/pwrite64/fsync/fdatasync on ota.db, its -wal and -shm).
The broker's own thread is the process id; the plugin's worker is another.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, Broker, make_passwd  # noqa: E402

DEVICES, SECONDS = 200, 5


def main():
    passwd = os.path.join(tempfile.mkdtemp(prefix="ota-bench-"), "passwd")
    make_passwd(passwd, [f"bench/d{i}" for i in range(1, DEVICES + 1)])
    broker = Broker(passwd, True)
    broker.start()
    trace = os.path.join(broker.dir, "strace.out")
    strace = subprocess.Popen(["strace", "-f", "-qq", "-y", "-e",
                               "trace=write,pwrite64,pwritev,pwritev2,fsync,fdatasync,sync_file_range",
                               "-o", trace, "-p", str(broker.proc.pid)])
    time.sleep(1)  # strace attaches to every thread
    subprocess.run([LOADGEN, "ingest", str(broker.port), "bench", "1", str(DEVICES), str(SECONDS), "1", "10"],
                   stdout=subprocess.DEVNULL, check=True)
    time.sleep(1)  # the last batch is committed
    strace.terminate()
    strace.wait()
    db_io = collections.Counter()
    socket_writes = collections.Counter()
    pattern = re.compile(r"^(\d+)\s+(\w+)\((\d+)<([^>]*)>")
    with open(trace) as f:
        for line in f:
            m = pattern.match(line)
            if not m:
                continue
            tid, call, path = int(m.group(1)), m.group(2), m.group(4)
            if "ota.db" in path:
                db_io[(tid, call)] += 1
            elif path.startswith("socket:") or path.startswith("TCP"):
                socket_writes[tid] += 1
    main_tid = broker.proc.pid
    print(f"broker pid {main_tid}; database writes and syncs per thread during {SECONDS} s of load:")
    for (tid, call), n in sorted(db_io.items()):
        who = "BROKER THREAD" if tid == main_tid else "worker thread"
        print(f"  {who} {tid}: {call} x {n}")
    print(f"socket writes by the broker thread: {socket_writes[main_tid]} (it is serving)")
    on_broker = sum(n for (tid, _), n in db_io.items() if tid == main_tid)
    broker.cleanup()
    print("RESULT:", "no database I/O on the broker thread" if on_broker == 0 else f"{on_broker} database I/O calls on the broker thread")
    sys.exit(0 if on_broker == 0 else 1)


if __name__ == "__main__":
    main()
