#!/usr/bin/env python3
"""What each broker thread does per message under load: futex calls, all system
calls and context switches (voluntary and not), counted by `perf stat` on each
thread of the broker while loadgen runs, divided by the messages acknowledged.

The broker thread (the process's main thread) is the one every client waits
for: with mosquitto_ota, an OTA report must cost it no lock wait, no wake-up of
the worker and no system call of its own (reports are handed over in batches).
Compare with the bare broker and the no-op plugin in the same invocation.

  bench/thread_calls.py [--load ota|telemetry] [--variants bare,noop,plugin] [--seconds 5]
                        [--plugin-build NAME=PATH ...]
Needs perf with access to tracepoints (root, or kernel.perf_event_paranoid <= 1).
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, Broker, make_passwd  # noqa: E402

EVENTS = ["syscalls:sys_enter_futex", "raw_syscalls:sys_enter", "context-switches"]


def thread_names(pid):
    names = {}
    for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            names[int(tid)] = f.read().strip()
    return names


def perf_stat(tid, out_path):
    return subprocess.Popen(["perf", "stat", "-x", ",", "-o", out_path, "-e", ",".join(EVENTS), "-t", str(tid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_counts(path):
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) >= 3 and fields[2] in EVENTS:
                counts[fields[2]] = int(fields[0]) if fields[0].isdigit() else 0
    return counts


def voluntary_switches(pid, tid):
    out = {}
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if "ctxt_switches" in line:
                k, v = line.split(":")
                out[k.strip()] = int(v)
    return out


def run(passwd, name, kind, path, args):
    broker = Broker(passwd, kind == "ota", {"flush_ms": args.flush_ms}, plugin_path=path,
                    noop_mode=kind if kind in ("noop", "parse") else None)
    broker.start()
    tmp = tempfile.mkdtemp(prefix="ota-calls-")
    load = "ingest" if args.load == "ota" else "telemetry"
    gen = subprocess.Popen([LOADGEN, load, str(broker.port), "bench", "1", str(args.devices), str(args.seconds),
                            "1", "10"], stdout=subprocess.PIPE, text=True)
    stats, before, summary = [], {}, ""
    for line in gen.stdout:
        if line.startswith("ready"):
            pid = broker.proc.pid
            for tid, comm in thread_names(pid).items():
                before[tid] = (comm, voluntary_switches(pid, tid))
                stats.append((tid, perf_stat(tid, os.path.join(tmp, f"{tid}.csv"))))
        elif line.startswith("summary"):
            # The load is over; the devices' disconnects that follow are not counted.
            summary = line
            after = {tid: voluntary_switches(broker.proc.pid, tid) for tid in before}
            for _, p in stats:
                p.send_signal(signal.SIGINT)
                p.wait()
    gen.wait()
    acked = int(dict(kv.split("=") for kv in summary.split()[1:])["acked"])
    print(f"{name}: {acked} messages acknowledged ({args.load}, {args.devices} devices, {args.seconds:.0f} s)")
    for tid, _ in stats:
        comm, v0 = before[tid]
        c = read_counts(os.path.join(tmp, f"{tid}.csv"))
        role = "broker thread" if tid == broker.proc.pid else f"thread {comm}"
        vol = after[tid].get("voluntary_ctxt_switches", 0) - v0.get("voluntary_ctxt_switches", 0)
        invol = after[tid].get("nonvoluntary_ctxt_switches", 0) - v0.get("nonvoluntary_ctxt_switches", 0)
        per = lambda n: n / max(1, acked)  # noqa: E731
        print(f"  {role:18s} per message: futex {per(c.get(EVENTS[0], 0)):.5f}, system calls "
              f"{per(c.get(EVENTS[1], 0)):.3f}, context switches {per(c.get(EVENTS[2], 0)):.4f} "
              f"(voluntary {per(vol):.5f}, preempted {per(invol):.4f}); totals: futex {c.get(EVENTS[0], 0)}, "
              f"voluntary switches {vol}")
    broker.cleanup()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--load", choices=("ota", "telemetry"), default="ota")
    p.add_argument("--variants", default="bare,noop,plugin")
    p.add_argument("--plugin-build", action="append", default=[], metavar="NAME=PATH")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--flush-ms", type=int, default=200)
    args = p.parse_args()
    passwd = os.path.join(tempfile.mkdtemp(prefix="ota-calls-"), "passwd")
    make_passwd(passwd, [f"bench/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    variants = [(v, "ota" if v == "plugin" else v, None) for v in args.variants.split(",")]
    variants += [(name, "ota", path) for name, path in (b.split("=", 1) for b in args.plugin_build)]
    for name, kind, path in variants:
        run(passwd, name, kind, path, args)


if __name__ == "__main__":
    main()
