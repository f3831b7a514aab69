#!/usr/bin/env python3
"""Ingest benchmark against the floor: the same loads against a bare broker, the
no-op plugin (bench/noop_plugin.cpp: ACL_CHECK + MESSAGE that return at once),
the same that also parses each payload as JSON, and mosquitto_ota (and any other
build of it given with --plugin-build NAME=PATH), interleaved in one invocation.
Variant plugin-pg is mosquitto_ota storing in PostgreSQL (a throwaway server,
bench/pg.py, started once; a fresh database for each broker) instead of SQLite.

Loads: "ota", device progress reports (with --status-every N, every N-th report
of a device a status report), and "telemetry", the same on topics the plugin
does not own (telemetry/{product}/{device}/{n}). Each round runs every (load,
variant) pair once, in an order that changes from round to round: by default a
slice of 200 ms of brokers that run the whole invocation (ingest_sliced.py says
why), 300 rounds; with --slice-ms 0 a run of --seconds on a broker started for it.

Prints per run, then per load: median msgs/s, broker CPU per message (whole
process, and the broker's main thread), ratios to bare and to noop, and for
mosquitto_ota builds on the ota load how long after its acknowledgement a report
was committed to SQLite or PostgreSQL. Then the bars of issue 10, PASS or FAIL,
with the median of the rounds' paired ratios (and differences) and its 95%
confidence interval beside them. A variant named twice with a tag (noop,noop#2)
shows what the method cannot tell apart.
"""
import argparse
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, PLUGIN, Broker, make_passwd, median  # noqa: E402
from ingest_sliced import Station, cpus_apart  # noqa: E402
import pg  # noqa: E402

LOADS = ("ota", "telemetry")
BASE_VARIANTS = ("bare", "noop", "parse", "plugin")
PG_VARIANT = "plugin-pg"
# The no-op plugin with one idle thread that shares the broker's file
# descriptor table, and one whose thread has a table of its own: what a
# plugin's second thread costs every message (runtime/files_apart.h).
THREAD_VARIANTS = ("noop+shared", "noop+unshared")
REFERENCES = ("bare", "noop", "plugin")  # the ratio columns, where these variants ran
# Issue 10's bars (medians of one invocation).
TELEMETRY_RATE_BAR = 0.97   # plugin throughput >= 0.97 x noop's
TELEMETRY_CPU_BAR_US = 0.3  # plugin CPU per message within 0.3 us of noop's
OTA_RATE_BAR = 0.95         # plugin throughput >= 0.95 x parse's


class Variant:
    """One broker set-up: kind is bare, noop (or noop+shared, noop+unshared), parse or ota (a build
    of mosquitto_ota at path, storing in SQLite, or in PostgreSQL with on_pg)."""

    def __init__(self, name, kind, path=None, on_pg=False):
        self.name, self.kind, self.path, self.on_pg = name, kind, path, on_pg

    def broker(self, passwd, args, db_url=None):
        opts = {"flush_ms": args.flush_ms}
        if args.progress_history:
            opts["progress_history"] = args.progress_history
        return Broker(passwd, self.kind == "ota", opts, plugin_path=self.path,
                      noop_mode=None if self.kind in ("bare", "ota") else self.kind, db_url=db_url)


def poll_commits(db_path, samples, stop, active=None):
    """Records (unix_ms, committed reports) every ~10 ms from a read-only connection
    (with active, only while it is set: the other slices' brokers have the machine)."""
    while not os.path.exists(db_path) and not stop.is_set():
        time.sleep(0.01)
    if stop.is_set():
        return
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    last_id, n = 0, 0
    while not stop.is_set():
        if active:
            active.wait()
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


def poll_pg_commits(db_url, samples, stop, active=None):
    """The same from PostgreSQL: a row per report, ids in commit order (the plugin has one writer)."""
    with pg.Connection(db_url) as conn:
        last_id, n = 0, 0
        while not stop.is_set():
            if active:
                active.wait()
            try:
                top, more = conn.query(f"SELECT MAX(id), COUNT(*) FROM progress_reports WHERE id > {last_id}")[0]
                if top is not None:
                    last_id, n = int(top), n + int(more)
                samples.append((int(time.time() * 1000), n))
            except pg.PgError:
                pass  # no table yet: the plugin migrates at start
            time.sleep(0.01)


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


def loadgen_command(load, port, args, seconds=None):
    """seconds "stdin": loadgen runs slices on demand (ingest_sliced.py)."""
    mode, status_every = ("ingest", args.status_every) if load == "ota" else ("telemetry", 0)
    return [LOADGEN, mode, str(port), "bench", "1", str(args.devices), str(seconds or args.seconds), str(args.qos),
            str(args.window), str(status_every), str(args.mqtt)]


def run_once(passwd, load, variant, args, pg_server):
    db_url = pg_server.create_database() if variant.on_pg else None
    try:
        return measure(passwd, load, variant, args, db_url, pg_server if db_url else None)
    finally:
        if db_url:
            pg_server.drop_database(db_url)  # the disk stays as it was for the next run


def measure(passwd, load, variant, args, db_url, pg_server):
    broker = variant.broker(passwd, args, db_url)
    broker.start()
    measure_lag = load == "ota" and variant.kind == "ota"
    stop, commits = threading.Event(), []
    poller = None
    if measure_lag:
        poller = threading.Thread(target=poll_pg_commits if db_url else poll_commits,
                                  args=(db_url or broker.db, commits, stop))
        poller.start()
    proc = subprocess.Popen(loadgen_command(load, broker.port, args), stdout=subprocess.PIPE, text=True)
    acks, summary, cpu0, thread0, pg_cpu0 = [], "", None, None, None
    for line in proc.stdout:
        if line.startswith("ready"):
            cpu0, thread0 = broker.cpu_seconds(), broker.cpu_seconds(broker_thread_only=True)
            pg_cpu0 = pg_server.cpu_seconds() if pg_server else None
        elif line.startswith("acked"):
            _, t, n, statuses = line.split()
            acks.append((int(t), int(n) - int(statuses)))  # progress reports: they are counted in SQLite
        elif line.startswith("summary"):
            summary = line
    if proc.wait() != 0 or not summary:
        broker.cleanup()
        raise RuntimeError(f"loadgen {load} against {variant.name} failed (exit {proc.returncode})")
    cpu = broker.cpu_seconds() - cpu0
    pg_cpu = pg_server.cpu_seconds() - pg_cpu0 if pg_server else None
    thread_cpu = broker.cpu_seconds(broker_thread_only=True) - thread0
    fields = dict(kv.split("=") for kv in summary.split()[1:])
    msgs = int(fields["acked"])
    result = {"rate": float(fields["rate"]), "msgs": msgs, "refused": int(fields["refused"]),
              "cpu_us": cpu / max(1, msgs) * 1e6,
              "thread_us": thread_cpu / max(1, msgs) * 1e6}
    if pg_cpu is not None:
        result["pg_us"] = pg_cpu / max(1, msgs) * 1e6
    if measure_lag:
        progress = msgs - int(fields["acked_status"])  # progress reports, the ones counted in the database
        deadline = time.time() + 30
        while time.time() < deadline and (not commits or commits[-1][1] < progress):
            if not commits and time.time() > deadline - 25:
                break  # nothing readable in 5 s: a build whose schema has no progress_chunks
            time.sleep(0.01)
        stop.set()
        poller.join()
        if commits:
            result["lag_worst_ms"] = commit_lag_ms(acks, commits)
            result["committed"] = f"{commits[-1][1]}/{progress}"
            if commits[-1][1] < progress and args.save_logs:
                # Acknowledged and not committed 30 s later: the broker's log is kept to see why.
                os.makedirs(args.save_logs, exist_ok=True)
                saved = os.path.join(args.save_logs, f"{variant.name}-{int(time.time())}.log")
                shutil.copy(os.path.join(broker.dir, "broker.log"), saved)
                result["committed"] += f" (log: {saved})"
        else:
            result["lag_worst_ms"], result["committed"] = float("nan"), "unreadable"
    broker.cleanup()
    return result


def balanced_order(n, r):
    """Round r's order of n items: a Williams design (each item in each position, and
    each ordered pair back to back, equally often over n rounds; 2n when n is odd)."""
    first, lo, hi = [0], 1, n - 1
    while lo <= hi:
        first.append(lo)
        lo += 1
        if lo <= hi:
            first.append(hi)
            hi -= 1
    row = [(x + r) % n for x in first]
    return row[::-1] if n % 2 and (r // n) % 2 else row


def ratio(a, b):
    return a / b if b else float("nan")


def print_table(load, variants, results, args):
    """results[(load, variant name)] is the list of one result per round."""
    names = [v.name for v in variants]
    rows = {name: results[(load, name)] for name in names}
    med = {name: median([r["rate"] for r in rs]) for name, rs in rows.items()}
    print(f"\n{load}: {args.devices} devices, MQTT {args.mqtt}, QoS {args.qos}, window {args.window}, "
          + (f"slices of {args.slice_ms} ms, brokers kept, x {args.rounds} " if args.slice_ms else
             f"{args.seconds:g} s x {args.rounds} ")
          + f"rounds, flush_ms {args.flush_ms}" + (f", every {args.status_every}th report a status"
                                                 if load == "ota" and args.status_every else ""))
    refs = [ref for ref in REFERENCES if ref in rows]
    print(f"{'variant':<10} {'msgs/s':>8} {'CPU/msg':>8} {'thread':>7} " + " ".join(f"{'/' + r:>13}" for r in refs) +
          "  commit lag")
    for v in variants:
        rs = rows[v.name]
        cells = []
        for ref in refs:
            per_round = rounds_ratio(rs, rows[ref])
            cells.append(f"{ratio(med[v.name], med[ref]):.3f} {per_round:.3f}")
        lag = ""
        if load == "ota" and v.kind == "ota":
            lags = [r["lag_worst_ms"] for r in rs]
            lag = (f"worst {max(lags):.0f} ms, median of run worsts {median(lags):.0f} ms "
                   f"(bar flush_ms + 100 = {args.flush_ms + 100} ms)")
        if v.on_pg:
            lag += f"; PostgreSQL's CPU/msg {median([r['pg_us'] for r in rs]):.2f} us"
        if any(r["refused"] for r in rs):
            lag += f"; refused a run: median {median([r['refused'] for r in rs]):.0f}"
        print(f"{v.name:<10} {med[v.name]:>8.0f} {median([r['cpu_us'] for r in rs]):>5.2f} us "
              f"{median([r['thread_us'] for r in rs]):>4.2f} us " + " ".join(f"{c:>13}" for c in cells) + f"  {lag}")
    print("(msgs/s, CPU/msg: medians; CPU/msg the whole broker process, thread its main thread (PostgreSQL's own "
          "processes not counted); /bare, /noop, /plugin (on SQLite): ratio of the medians, median of the rounds' ratios)")


def paired_ratios(rs, refs):
    """Each round's throughput ratio: steadier than the medians' when the machine's speed drifts."""
    return [ratio(a["rate"], b["rate"]) for a, b in zip(rs, refs)]


def paired_cpu_deltas(rs, refs):
    return [a["cpu_us"] - b["cpu_us"] for a, b in zip(rs, refs)]


def rounds_ratio(rs, refs):
    return median(paired_ratios(rs, refs))


def median_interval(values):
    """A 95% confidence interval of the median, free of any assumed distribution: the
    order statistics of ranks floor(n/2 - 0.98 sqrt(n)) and ceil(1 + n/2 + 0.98 sqrt(n));
    None under 10 values."""
    n = len(values)
    if n < 10:
        return None
    ranked, half_width = sorted(values), 0.98 * n ** 0.5
    return ranked[max(0, math.floor(n / 2 - half_width) - 1)], ranked[min(n - 1, math.ceil(n / 2 + half_width))]


def median_text(values, fmt, unit):
    """The median of values, with its 95% interval where there are enough of them."""
    bounds = median_interval(values)
    return format(median(values), fmt) + unit + (f" (95%: {format(bounds[0], fmt)} to {format(bounds[1], fmt)})"
                                                 if bounds else "")


def print_bars(variants, results, args):
    """Issue 10's bars, for each build of mosquitto_ota, where its reference ran. The bars are
    on the medians; the rounds' medians are shown beside them as a check on the machine's drift."""
    print("\nbars (issue 10, medians):")
    for v in (v for v in variants if v.kind == "ota"):
        if ("telemetry", v.name) in results and ("telemetry", "noop") in results:
            rs, ns = results[("telemetry", v.name)], results[("telemetry", "noop")]
            rate = ratio(median([r["rate"] for r in rs]), median([r["rate"] for r in ns]))
            cpu = median([r["cpu_us"] for r in rs]) - median([r["cpu_us"] for r in ns])
            ok = rate >= TELEMETRY_RATE_BAR and cpu <= TELEMETRY_CPU_BAR_US
            print(f"  telemetry {v.name} vs noop: throughput {rate:.3f}x (bar >= {TELEMETRY_RATE_BAR}), "
                  f"CPU/msg {cpu:+.2f} us (bar <= +{TELEMETRY_CPU_BAR_US}): {'PASS' if ok else 'FAIL'}"
                  f"  [rounds' medians: {median_text(paired_ratios(rs, ns), '.3f', 'x')}, "
                  f"{median_text(paired_cpu_deltas(rs, ns), '+.2f', ' us')}]")
        if ("ota", v.name) in results and ("ota", "parse") in results:
            rs, ps = results[("ota", v.name)], results[("ota", "parse")]
            rate = ratio(median([r["rate"] for r in rs]), median([r["rate"] for r in ps]))
            worst = max(r["lag_worst_ms"] for r in rs)
            lag_ok = worst <= args.flush_ms + 100  # nan (not measured) is not a pass
            print(f"  ota {v.name} vs parse: throughput {rate:.3f}x (bar >= {OTA_RATE_BAR}): "
                  f"{'PASS' if rate >= OTA_RATE_BAR else 'FAIL'}; worst commit lag {worst:.0f} ms "
                  f"(bar <= {args.flush_ms + 100}): {'PASS' if lag_ok else 'FAIL'}"
                  f"  [rounds' median: {median_text(paired_ratios(rs, ps), '.3f', 'x')}]")


def parse_variants(args):
    variants = []
    for name in args.variants.split(","):
        base = name.partition("#")[0]  # noop#2: the same set-up again, to see what the method cannot tell apart
        if any(v.name == name for v in variants):
            sys.exit(f"variant {name!r} twice (name the second {base}#2)")
        if base == PG_VARIANT:
            variants.append(Variant(name, "ota", PLUGIN, on_pg=True))
        elif base not in BASE_VARIANTS + THREAD_VARIANTS:
            sys.exit(f"unknown variant {name!r} (one of {', '.join(BASE_VARIANTS + THREAD_VARIANTS + (PG_VARIANT,))})")
        else:
            variants.append(Variant(name, "ota", PLUGIN) if base == "plugin" else Variant(name, base))
    for spec in args.plugin_build:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            sys.exit(f"--plugin-build {spec!r}: expected NAME=PATH")
        if any(v.name == name for v in variants):
            sys.exit(f"--plugin-build {spec!r}: variant {name!r} already exists")
        if not os.path.exists(path):
            sys.exit(f"--plugin-build {spec!r}: no such file")
        variants.append(Variant(name, "ota", os.path.abspath(path)))
    return variants


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", "--runs", type=int,
                   help="each round runs every (load, variant) pair once (default 300 slices, or 8 runs with "
                        "--slice-ms 0)")
    p.add_argument("--seconds", type=float, default=5, help="load per run, with --slice-ms 0")
    p.add_argument("--no-pin", dest="pin", action="store_false",
                   help="with --slice-ms: leave the broker and loadgen where the scheduler puts them")
    p.add_argument("--slice-ms", type=int, default=200,
                   help="every (load, variant) pair's broker runs the whole invocation and they take turns, each "
                        "round a slice of this many ms each (bench/ingest_sliced.py); 0: a broker started for each "
                        "run of --seconds instead")
    p.add_argument("--loads", default=",".join(LOADS), help="comma-separated subset of: ota,telemetry")
    p.add_argument("--variants", default=",".join(BASE_VARIANTS),
                   help="comma-separated subset of: bare,noop,parse,plugin,plugin-pg (mosquitto_ota on "
                        "PostgreSQL), noop+shared,noop+unshared (the no-op plugin with an idle thread that shares "
                        "the broker's file table, or has its own)")
    p.add_argument("--plugin-build", action="append", default=[], metavar="NAME=PATH",
                   help="another build of mosquitto_ota.so as an extra variant (repeatable), "
                        "e.g. base=/tmp/base/build/mosquitto_ota.so")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--qos", type=int, default=1)
    p.add_argument("--window", type=int, default=10, help="messages in flight per device")
    p.add_argument("--flush-ms", type=int, default=200)
    p.add_argument("--progress-history", type=int, default=1000,
                   help="progress reports kept per device (past it, each commit trims a device's oldest chunk); "
                        "0: the plugin's default, option not passed (for builds that predate it)")
    p.add_argument("--status-every", type=int, default=0,
                   help="ota load: every N-th report of a device is a status report (0: progress only)")
    p.add_argument("--mqtt", type=int, choices=(3, 5), default=3,
                   help="the devices' MQTT version: under 5 a refused report (back-pressure) is counted and sent "
                        "again; under 3.1.1 a refusal closes the connection and loadgen's device stays away")
    p.add_argument("--save-logs", metavar="DIR",
                   help="keep the broker's log there when acknowledged reports were not committed 30 s later")
    pg.add_arguments(p)
    args = p.parse_args()
    if args.rounds is None:
        args.rounds = 300 if args.slice_ms else 8
    loads = args.loads.split(",")
    for load in loads:
        if load not in LOADS:
            sys.exit(f"unknown load {load!r} (one of {', '.join(LOADS)})")
    variants = parse_variants(args)

    passwd = os.path.join(tempfile.mkdtemp(prefix="ota-bench-"), "passwd")
    make_passwd(passwd, [f"bench/d{i}" for i in range(1, args.devices + 1)] + ["admin"])
    pg_server = pg.server_from_args(args) if any(v.on_pg for v in variants) else None
    if pg_server:
        pg_server.start()
        print(pg_server.describe(), flush=True)
    try:
        run_rounds(passwd, loads, variants, args, pg_server)
    finally:
        if pg_server:
            pg_server.cleanup()


def run_rounds(passwd, loads, variants, args, pg_server):
    pairs = [(load, v) for load in loads for v in variants]
    results = {(load, v.name): [] for load, v in pairs}
    stations = start_stations(passwd, pairs, args, pg_server) if args.slice_ms else {}
    try:
        for rnd in range(args.rounds):
            for i in balanced_order(len(pairs), rnd):
                load, v = pairs[i]
                r = stations[i].slice(args.slice_ms) if stations else run_once(passwd, load, v, args, pg_server)
                results[(load, v.name)].append(r)
                print_run(rnd, load, v, r)
    finally:
        for station in stations.values():
            station.cleanup()
            if station.variant.on_pg:
                pg_server.drop_database(station.db_url)
    for load in loads:
        print_table(load, variants, results, args)
    print_bars(variants, results, args)


def start_stations(passwd, pairs, args, pg_server):
    """--slice-ms: every pair's broker and loadgen, started once, each warmed by one slice."""
    stations, pin = {}, cpus_apart() if args.pin else None
    try:
        for i, (load, v) in enumerate(pairs):
            db_url = pg_server.create_database() if v.on_pg else None
            command = lambda port, load=load: loadgen_command(load, port, args, "stdin")  # noqa: E731
            stations[i] = Station(load, v, passwd, args, command, db_url, pg_server if db_url else None,
                                  poll_pg_commits if db_url else poll_commits, commit_lag_ms, pin)
        for station in stations.values():
            station.slice(args.slice_ms)
    except BaseException:
        for station in stations.values():
            station.cleanup()
        raise
    return stations


def print_run(rnd, load, v, r):
    lag = (f" lag_worst={r['lag_worst_ms']:.0f}ms committed={r['committed']}"
           if "lag_worst_ms" in r else "")
    refused = f", refused {r['refused']}" if r["refused"] else ""
    refused += f", PostgreSQL CPU/msg {r['pg_us']:.2f} us" if "pg_us" in r else ""
    print(f"round {rnd + 1} {load:<9} {v.name:<9}: {r['rate']:6.0f} msgs/s, acked {r['msgs']}{refused}, "
          f"CPU/msg {r['cpu_us']:.2f} us (thread {r['thread_us']:.2f} us){lag}", flush=True)


if __name__ == "__main__":
    main()
