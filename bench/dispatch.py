#!/usr/bin/env python3
"""Dispatch: one job over 10,000 connected simulated devices that answer at once
(progress 100, then their new version). Prints how long until every device had
its command, until the job completed with every execution succeeded, the rate,
and how many commands each device received (sends per device: must be 1).

--store postgresql keeps the state in a throwaway PostgreSQL server (bench/pg.py);
--brokers 2 starts two brokers on that one database (A, which leads, then B once
A logged that it leads), half the devices on each, and sends createUpgrade to
one of them (--admin-on). --compare runs SQLite, PostgreSQL with one broker and
PostgreSQL with two, interleaved, --rounds times, and prints the medians.
"""
import argparse
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BUILD, LOADGEN, Broker, make_passwd, median  # noqa: E402
import pg  # noqa: E402

ADMIN_LATENCY = os.path.join(BUILD, "bench", "admin_latency")
PER_PROCESS = 5000  # libmosquitto takes 3 descriptors per client: 5,000 devices per generator process
BROKER_NAMES = "AB"
COMPARE = ("sqlite:1", "postgresql:1", "postgresql:2")


def admin(port, commands):
    out = subprocess.run([ADMIN_LATENCY, str(port), "admin", "secret", "1", json.dumps({"commands": commands})],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.split("response ", 1)[1])["responses"][0]


class Generator:
    """A loadgen process of devices FIRST..FIRST+COUNT-1 on one broker, read on a thread of its own."""

    def __init__(self, port, first, count, seconds):
        self.count = count
        self.ready = threading.Event()
        self.all_upgraded_ms = None  # unix ms of the first report with all upgraded
        self.summary = {}
        self.repeats = []  # (ms since the device's last command, times it had connected again)
        self.repeated_devices = []
        # LINGER 1: stays connected after all upgraded, so that a repeated command is counted.
        self.proc = subprocess.Popen([LOADGEN, "devices", str(port), "dispatch", str(first), str(count), "1.0",
                                      str(seconds), "0", "-", "1"], stdout=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("ready"):
                self.ready.set()
            elif line.startswith("upgraded"):
                _, t, n = line.split()
                if int(n) == self.count and self.all_upgraded_ms is None:
                    self.all_upgraded_ms = int(t)
            elif line.startswith("repeat"):
                _, device, gap, again = line.split()
                self.repeats.append((float(gap), int(again)))
                self.repeated_devices.append(device)
            elif line.startswith("summary"):
                self.summary = dict(kv.split("=") for kv in line.split()[1:] if "=" in kv)

    def finish(self):
        """Stops it (SIGTERM: the summary, then disconnects) and returns the summary."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=10)
        return self.summary


def wait_for_log(broker, text, timeout=60):
    deadline = time.monotonic() + timeout
    while text not in broker.log():
        if broker.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"no {text!r} in the broker's log:\n{broker.log()[-3000:]}")
        time.sleep(0.02)


def count_devices(broker, db_url):
    sql = "SELECT COUNT(*) FROM devices WHERE product = 'dispatch'"
    try:
        if db_url:
            with pg.Connection(db_url) as conn:
                return int(conn.value(sql))
        conn = sqlite3.connect(f"file:{broker.db}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except (pg.PgError, sqlite3.OperationalError):
        return 0  # the schema is not there yet


def start_brokers(passwd, n_brokers, db_url, resend_seconds):
    brokers = []
    try:
        for i in range(n_brokers):
            opts = {"resend_seconds": resend_seconds}
            if n_brokers > 1:
                opts["broker_id"] = BROKER_NAMES[i]
            broker = Broker(passwd, True, opts, db_url=db_url)
            brokers.append(broker)
            broker.start()
            if n_brokers > 1 and i == 0:
                wait_for_log(broker, f"mosquitto_ota: broker {BROKER_NAMES[0]} leads")
        return brokers
    except BaseException:
        for broker in brokers:
            broker.cleanup()
        raise


def run_once(passwd, store, n_brokers, args, pg_server):
    db_url = pg_server.create_database() if store == "postgresql" else None
    brokers, generators = [], []
    try:
        brokers = start_brokers(passwd, n_brokers, db_url, args.resend_seconds)
        t0 = time.monotonic()
        share = -(-args.devices // n_brokers)  # devices 1..share on the first broker, and so on
        for b, broker in enumerate(brokers):
            last = min(args.devices, (b + 1) * share)
            for first in range(b * share + 1, last + 1, PER_PROCESS):
                generators.append(Generator(broker.port, first, min(PER_PROCESS, last + 1 - first), 600))
        if not all(g.ready.wait(300) for g in generators):
            raise RuntimeError("devices did not connect")
        connected = time.monotonic() - t0
        while count_devices(brokers[0], db_url) < args.devices:
            if time.monotonic() - t0 > 300:
                raise RuntimeError("devices not all registered")
            time.sleep(0.05)
        registered = time.monotonic() - t0

        target = brokers[-1] if args.admin_on == "follower" else brokers[0]
        t_create, t_create_unix = time.monotonic(), time.time()
        created = admin(target.port, [{"command": "createUpgrade", "product": "dispatch", "type": "firmware",
                                       "version": "1.1", "url": "https://files.example.com/fw.bin",
                                       "md5": "9e107d9d372bb6826bd81d3542a419d6", "size": 1}])["data"]
        t_answer = time.monotonic() - t_create
        state = {}
        while time.monotonic() - t_create < args.timeout:
            state = admin(target.port, [{"command": "getJob", "jobId": created["jobId"]}])["data"]
            if state["state"] == "completed":
                break
            time.sleep(0.1)
        t_done = time.monotonic() - t_create
        time.sleep(args.linger)  # a command sent twice arrives in this time, and is counted
        summaries = [g.finish() for g in generators]
        rss = [round(b.rss_mb()) for b in brokers]  # before refused_reports() stops them
        repeated = [d for g in generators for d in g.repeated_devices]
        if repeated and db_url:
            print_repeat_evidence(db_url, repeated[:5])
        if state.get("state") != "completed":
            for broker in brokers:
                print("\n".join(line for line in broker.log().splitlines()
                                if "mosquitto_ota" in line and "admin" not in line)[-3000:], file=sys.stderr)
        upgraded_ms = [g.all_upgraded_ms for g in generators]
        commanded = (max(upgraded_ms) / 1000 - t_create_unix) if all(upgraded_ms) else float("nan")
        return {
            "connected": connected, "registered": registered, "answer": t_answer, "commanded": commanded,
            "done": t_done, "rate": state.get("total", 0) / t_done, "state": state.get("state"),
            "succeeded": state.get("counts", {}).get("succeeded", 0), "targeted": created["targeted"],
            "commands": sum(int(s.get("commands", 0)) for s in summaries),
            "most": max(int(s.get("most_per_device", 0)) for s in summaries),
            "most_per_connection": max(int(s.get("most_per_connection", 0)) for s in summaries),
            "without": sum(int(s.get("without", args.devices)) for s in summaries),
            "repeated": sum(int(s.get("repeated", 0)) for s in summaries),
            "repeats": [x for g in generators for x in g.repeats],
            "reconnects": sum(int(s.get("reconnects", 0)) for s in summaries),
            "refused_each": [refused_reports(b) for b in brokers],
            "rss_mb": rss,
        }
    finally:
        for g in generators:
            if g.proc.poll() is None:
                g.proc.kill()
        for broker in brokers:
            broker.cleanup()
        if db_url:
            pg_server.drop_database(db_url)


def print_repeat_evidence(db_url, devices):
    """What the store says of devices that got a command twice on one connection."""
    names = ", ".join(f"'{d}'" for d in devices)  # loadgen's names (d{n}), not input
    with pg.Connection(db_url) as conn:
        for row in conn.query(f"SELECT device, state, resends, first_sent_at, last_sent_at, updated_at "
                              f"FROM executions WHERE device IN ({names}) ORDER BY device"):
            print("  repeated:", dict(zip(("device", "state", "resends", "first_sent_at", "last_sent_at",
                                           "updated_at"), row)))
        for row in conn.query(f"SELECT device, count(*), string_agg(broker || '/' || conn, ' ') FROM cluster_sessions "
                              f"WHERE device IN ({names}) GROUP BY device ORDER BY device"):
            print("  sessions now:", row)


def describe_repeats(repeats):
    if not repeats:
        return ""
    gaps = sorted(g for g, _ in repeats)
    return (f"; {len(repeats)} commands repeated on one connection, {median(gaps):.0f} ms after the last "
            f"({gaps[0]:.0f}-{gaps[-1]:.0f}), {sum(1 for _, n in repeats if n == 0)} of them to devices never "
            f"connected again")


def refused_reports(broker):
    """Reports the broker refused (back-pressure), from the summary it logs when it stops."""
    broker.stop()
    m = re.search(r"back-pressure: .*?(\d+) report\(s\) refused", broker.log())
    return int(m.group(1)) if m else 0


def describe(setup):
    store, n = setup
    return f"{store}, {n} broker{'s' if n > 1 else ''}"


def print_run(rnd, setup, r):
    print(f"round {rnd + 1} {describe(setup)}: connected {r['connected']:.1f} s, registered {r['registered']:.1f} s; "
          f"createUpgrade answered {r['answer']:.2f} s (targeted {r['targeted']}), every device had its command "
          f"{r['commanded']:.2f} s, job {r['state']} with {r['succeeded']} succeeded {r['done']:.2f} s after the "
          f"request: {r['rate']:.0f} upgrades/s; commands received {r['commands']} (most by one device {r['most']}, "
          f"on one connection {r['most_per_connection']}, "
          f"devices without {r['without']}, with more than one {r['repeated']}); reports refused {r['refused_each']}, "
          f"devices connected again {r['reconnects']}{describe_repeats(r['repeats'])}; broker RSS {r['rss_mb']} MB",
          flush=True)


def ok(r, devices):
    # A device that connects again gets its pending command again: once per connection is the bar.
    return (r["state"] == "completed" and r["succeeded"] == devices and r["most_per_connection"] == 1
            and r["without"] == 0)


def print_table(setups, results, args):
    print(f"\n{args.devices} devices, {args.rounds} round(s), medians (min-max):")
    print(f"{'setup':<24} {'answered':>16} {'all commanded':>18} {'end to end':>18} {'upgrades/s':>20} "
          f"{'sends/device':>22} {'refused':>8}")

    def cell(rs, key, fmt):
        values = [r[key] for r in rs]
        return f"{median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"

    for setup in setups:
        rs = results[setup]
        sends = (f"{sum(r['commands'] for r in rs) / (args.devices * len(rs)):.3f} max {max(r['most'] for r in rs)}"
                 f"/{max(r['most_per_connection'] for r in rs)}")
        refused = median([sum(r["refused_each"]) for r in rs])
        print(f"{describe(setup):<24} {cell(rs, 'answer', '.2f'):>16} {cell(rs, 'commanded', '.2f'):>18} "
              f"{cell(rs, 'done', '.2f'):>18} {cell(rs, 'rate', '.0f'):>20} {sends:>22} {refused:>8.0f}")
    print("(seconds after createUpgrade was sent; sends/device: commands received per device over all runs, and the "
          "most one device received in a run / on one connection (a device whose connection a refusal closed gets "
          "its pending command again when it comes back); refused: reports refused by back-pressure a run, median)")


def parse_setups(args):
    if args.compare:
        specs = COMPARE
    else:
        specs = [f"{args.store}:{args.brokers}"]
    setups = []
    for spec in specs:
        store, _, n = spec.partition(":")
        if store == "sqlite" and int(n) > 1:
            sys.exit("several brokers share PostgreSQL only: --store postgresql")
        setups.append((store, int(n)))
    return setups


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=10000)
    p.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--brokers", type=int, choices=(1, 2), default=1)
    p.add_argument("--compare", action="store_true",
                   help="run " + ", ".join(COMPARE) + " (store:brokers) interleaved")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--admin-on", choices=("leader", "follower"), default="leader",
                   help="the broker that gets createUpgrade and getJob (two brokers)")
    p.add_argument("--resend-seconds", type=int, default=30,
                   help="plugin_opt_resend_seconds: a command not answered in this time is sent again")
    p.add_argument("--timeout", type=float, default=600, help="seconds the job may take")
    p.add_argument("--linger", type=float, default=2.0,
                   help="seconds the devices stay connected after the job completed, to count repeated commands")
    pg.add_arguments(p)
    args = p.parse_args()
    setups = parse_setups(args)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 2 sockets per device on this machine
    work = tempfile.mkdtemp(prefix="ota-dispatch-")
    passwd = os.path.join(work, "passwd")
    make_passwd(passwd, [f"dispatch/d{i}" for i in range(1, args.devices + 1)] + ["admin"])

    pg_server = pg.server_from_args(args) if any(store == "postgresql" for store, _ in setups) else None
    results = {setup: [] for setup in setups}
    try:
        if pg_server:
            pg_server.start()
            print(pg_server.describe(), flush=True)
        for rnd in range(args.rounds):
            order = setups[rnd % len(setups):] + setups[:rnd % len(setups)]  # each setup first in turn
            for setup in order:
                r = run_once(passwd, *setup, args, pg_server)
                results[setup].append(r)
                print_run(rnd, setup, r)
    finally:
        if pg_server:
            pg_server.cleanup()
    print_table(setups, results, args)
    passed = all(ok(r, args.devices) for rs in results.values() for r in rs)
    print("RESULT:", "PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
