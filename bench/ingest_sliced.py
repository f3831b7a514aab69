"""bench/ingest.py --slice-ms: every (load, variant) pair has its broker and its
loadgen running for the whole invocation, and they take turns in short slices
(loadgen's SECONDS "stdin"). On this machine the speed of the host drifts by
~10% between any two windows, 0.5 s or 8 s apart alike, so a comparison gains
from many short paired slices, not from long runs: 100 slices of 1 s weigh as
much as 100 runs of 5 s with a broker restarted for each.

A slice: the broker's CPU (schedstat, to the nanosecond) is read, loadgen streams
for the slice, waits for what is in flight and answers; for mosquitto_ota on the
ota load the driver then waits until every acknowledged report is committed
(its worker's CPU for them counts), and the CPU is read again. Its throughput is
the messages acknowledged over the time from the first publish to the last
acknowledgement. The results have the shape ingest.measure() gives, one per round.
"""
import os
import subprocess
import threading
import time



def cpus_apart():
    """(broker's CPU, loadgen's CPU) to pin them to, or None with one CPU. Pinned, two slices
    of the same set-up differ by ~9% (sd) here, unpinned by ~13%: the guest's scheduler no
    longer puts both on one CPU. Only the broker's main thread is pinned: threads it started
    before (a plugin's) stay free."""
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[1], cpus[0]) if len(cpus) > 1 else None


class Station:
    """One (load, variant) pair: its broker and its loadgen, idle between slices. command is
    loadgen's command line for a port; poll(source, commits, stop, active) records commits while
    active is set; commit_lag(acks, commits) the worst time from acknowledgement to commit;
    pin, cpus_apart() or None."""

    def __init__(self, load, variant, passwd, args, command, db_url, pg_server, poll, commit_lag, pin):
        self.variant, self.db_url, self.pg_server, self.commit_lag = variant, db_url, pg_server, commit_lag
        self.broker = variant.broker(passwd, args, db_url)
        self.broker.start()
        self.proc = subprocess.Popen(command(self.broker.port), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        if pin:  # the main thread's only: a pid is a thread here
            os.sched_setaffinity(self.broker.proc.pid, {pin[0]})
            os.sched_setaffinity(self.proc.pid, {pin[1]})
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.broker.cleanup()
            raise RuntimeError(f"loadgen {load} against {variant.name} did not connect")
        self.progress = 0  # progress reports acknowledged so far (the ones the database counts)
        self.measure_lag = load == "ota" and variant.kind == "ota"
        self.commits, self.active, self.stop = [], threading.Event(), threading.Event()
        self.poller = None
        if self.measure_lag:
            self.poller = threading.Thread(target=poll, args=(db_url or self.broker.db, self.commits, self.stop,
                                                              self.active))
            self.poller.start()

    def slice(self, ms):
        cpu0, thread0 = self.broker.run_seconds(), self.broker.run_seconds(broker_thread_only=True)
        pg0 = self.pg_server.cpu_seconds() if self.pg_server else None
        self.active.set()
        self.proc.stdin.write(f"run {ms}\n")
        self.proc.stdin.flush()
        acks = []
        for line in self.proc.stdout:
            if line.startswith("acked"):
                _, t, n, statuses = line.split()
                acks.append((int(t), int(n) - int(statuses)))
            elif line.startswith("slice"):
                break
        else:
            raise RuntimeError(f"loadgen against {self.variant.name} ended (exit {self.proc.wait()})")
        seconds, msgs, statuses, refused = line.split()[1:]
        seconds, msgs = float(seconds), int(msgs)
        self.progress += msgs - int(statuses)
        result = {"rate": msgs / seconds if seconds > 0 else 0.0, "msgs": msgs, "refused": int(refused)}
        if self.measure_lag:
            result.update(self.wait_for_commits(acks))
        self.active.clear()
        result["cpu_us"] = (self.broker.run_seconds() - cpu0) / max(1, msgs) * 1e6
        result["thread_us"] = (self.broker.run_seconds(broker_thread_only=True) - thread0) / max(1, msgs) * 1e6
        if pg0 is not None:
            result["pg_us"] = (self.pg_server.cpu_seconds() - pg0) / max(1, msgs) * 1e6
        return result

    def wait_for_commits(self, acks):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not self.commits or self.commits[-1][1] < self.progress):
            time.sleep(0.01)
        if not self.commits:
            return {"lag_worst_ms": float("nan"), "committed": "unreadable"}
        return {"lag_worst_ms": self.commit_lag(acks, self.commits),
                "committed": f"{self.commits[-1][1]}/{self.progress}"}

    def cleanup(self):
        self.stop.set()
        self.active.set()  # a poller waiting for its turn sees the stop
        if self.poller:
            self.poller.join()
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()
        self.broker.cleanup()
