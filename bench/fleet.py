#!/usr/bin/env python3
"""Fleet scale: a database with a million known devices.

Prints: how long the broker takes to restart and serve, createUpgrade for every
device, getJob, a listJobExecutions page and listDevices pages (all as round
trips of a real MQTT 5 admin client), the plugin's memory per device, and the
slowest acknowledgement a device publishing all along got while the big
createUpgrade ran.

--store postgresql: the same on a throwaway PostgreSQL server (bench/pg.py),
the devices written with COPY and the tables analyzed (as autovacuum would
after such a load); the server's own memory and the database's size shown too.
"""
import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import BUILD, LOADGEN, Broker, make_passwd  # noqa: E402
import pg  # noqa: E402

ADMIN_LATENCY = os.path.join(BUILD, "bench", "admin_latency")


def admin(port, commands, n=1):
    out = subprocess.run([ADMIN_LATENCY, str(port), "admin", "secret", str(n), json.dumps({"commands": commands})],
                         capture_output=True, text=True, check=True).stdout
    stats = dict(kv.split("=") for kv in out.splitlines()[0].split()[1:])
    response = out.split("response ", 1)[1] if "response " in out else ""
    return {k: float(v) for k, v in stats.items()}, response


def populate(db, devices):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous = OFF")
    t0 = time.monotonic()
    with conn:
        conn.executemany("INSERT INTO devices (product, device, status, status_at) VALUES ('fleet', ?, ?, 1)",
                         ((f"d{i:07d}", '{"firmware_ver":"%s"}' % ("1.0" if i % 10 else "0.9"))
                          for i in range(devices)))
        conn.executemany("INSERT INTO device_versions VALUES ('fleet', ?, 'firmware_ver', ?)",
                         ((f"d{i:07d}", "1.0" if i % 10 else "0.9") for i in range(devices)))
    conn.close()
    return time.monotonic() - t0


def populate_pg(db_url, devices):
    """The same rows into PostgreSQL, with COPY through psql, then ANALYZE."""
    t0 = time.monotonic()

    def copy(table, rows):
        subprocess.run([os.path.join(pg.BIN, "psql"), "-q", "-v", "ON_ERROR_STOP=1", db_url, "-c",
                        f"COPY {table} FROM STDIN"], input="".join(rows), text=True, check=True)

    copy("devices (product, device, status, status_at)",
         (f'fleet\td{i:07d}\t{{"firmware_ver":"{"1.0" if i % 10 else "0.9"}"}}\t1\n' for i in range(devices)))
    copy("device_versions", (f"fleet\td{i:07d}\tfirmware_ver\t{'1.0' if i % 10 else '0.9'}\n"
                             for i in range(devices)))
    with pg.Connection(db_url) as conn:
        conn.query("ANALYZE")
    return time.monotonic() - t0


def pg_memory_mb(pg_server):
    """PostgreSQL's resident memory: the sum over its processes (shared buffers counted once per process that
    touched them, so an upper bound)."""
    total = 0
    for pid in pg_server.pids():
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--devices", type=int, default=1_000_000)
    p.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    pg.add_arguments(p)
    args = p.parse_args()
    if args.store == "postgresql":
        with pg.server_from_args(args) as pg_server:
            print(pg_server.describe(), flush=True)
            run(args, pg_server)
    else:
        run(args, None)


def run(args, pg_server):
    work = tempfile.mkdtemp(prefix="ota-fleet-")
    passwd = os.path.join(work, "passwd")
    make_passwd(passwd, ["admin", "fleet/d1"])  # d1: the probe device (loadgen naming)
    db_url = pg_server.create_database() if pg_server else None

    broker = Broker(passwd, True, db_dir=work, db_url=db_url)
    broker.start()
    broker.stop()  # the schema is in place
    if db_url:
        took = populate_pg(db_url, args.devices)
        print(f"{args.devices} devices written into {db_url} in {took:.1f} s (COPY, ANALYZE)", flush=True)
    else:
        took = populate(broker.db, args.devices)
        print(f"{args.devices} devices written into {broker.db} in {took:.1f} s", flush=True)

    broker = Broker(passwd, True, db_dir=work, db_url=db_url)
    t_up = broker.start()
    stats, _ = admin(broker.port, [{"command": "listJobs", "limit": 1}])
    print(f"restart: accepting connections after {t_up:.2f} s, first admin answer {stats['first']:.1f} ms later")
    rss_before = broker.rss_mb()

    probe = subprocess.Popen([LOADGEN, "ingest", str(broker.port), "fleet", "1", "1", "60", "1", "1"],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    time.sleep(1)
    stats, response = admin(broker.port, [{"command": "createUpgrade", "product": "fleet", "type": "firmware",
                                           "version": "1.1", "url": "https://files.example.com/fw.bin",
                                           "md5": "9e107d9d372bb6826bd81d3542a419d6", "size": 1}])
    data = json.loads(response)["responses"][0]["data"]
    print(f"createUpgrade for every device: {stats['first'] / 1000:.2f} s, targeted {data['targeted']}")
    job = data["jobId"]
    probe.terminate()
    out, _ = probe.communicate()
    m = re.search(r"max_ack_gap_ms=([\d.]+)", out or "")
    print(f"a device publishing at QoS 1 meanwhile: slowest acknowledgement "
          f"{m.group(1) if m else '?'} ms")
    t_fill = time.monotonic()
    while True:
        _, response = admin(broker.port, [{"command": "getJob", "jobId": job}])
        state = json.loads(response)["responses"][0]["data"]
        if not state["filling"]:
            break
        time.sleep(0.2)
    print(f"all {state['total']} executions created {stats['first'] / 1000 + time.monotonic() - t_fill:.1f} s "
          f"after the request, a chunk at a time between other work")
    rss_after = broker.rss_mb()

    stats, _ = admin(broker.port, [{"command": "getJob", "jobId": job}], n=100)
    print(f"getJob: median {stats['median']:.2f} ms, p90 {stats['p90']:.2f} ms, max {stats['max']:.2f} ms")
    mid = f"d{random.randrange(args.devices):07d}"
    stats, _ = admin(broker.port, [{"command": "listJobExecutions", "jobId": job, "limit": 100, "cursor": mid}], n=50)
    print(f"listJobExecutions page of 100: median {stats['median']:.2f} ms, max {stats['max']:.2f} ms")
    stats, _ = admin(broker.port, [{"command": "listDevices", "product": "fleet", "limit": 100, "cursor": mid}], n=50)
    print(f"listDevices page of 100: median {stats['median']:.2f} ms, max {stats['max']:.2f} ms")
    stats, _ = admin(broker.port, [{"command": "listDevices", "product": "fleet", "versionKey": "firmware_ver",
                                    "version": "0.9", "limit": 100, "cursor": mid}], n=50)
    print(f"listDevices page of 100 at a version: median {stats['median']:.2f} ms, max {stats['max']:.2f} ms")
    print(f"broker memory: {rss_before:.0f} MB before the job, {rss_after:.0f} MB after "
          f"({(rss_after - rss_before) * 1e6 / args.devices:.0f} bytes per device for the job)")
    if pg_server:
        with pg.Connection(db_url) as conn:
            size = int(conn.value("SELECT pg_database_size(current_database())")) / 1e6
        print(f"PostgreSQL: database {size:.0f} MB ({size * 1e6 / args.devices:.0f} bytes per device), "
              f"its processes' RSS {pg_memory_mb(pg_server):.0f} MB (shared buffers counted in each)")
    broker.stop()
    t0 = time.monotonic()
    broker.start()
    print(f"restart with the job in place: serving after {time.monotonic() - t0:.2f} s, "
          f"memory {broker.rss_mb():.0f} MB ({broker.rss_mb() * 1e6 / args.devices:.0f} bytes per device)")
    for line in broker.log().splitlines():
        if "created for product fleet" in line or "large commit" in line or "leads" in line:
            print("broker log:", line.split(": ", 1)[1])
    broker.cleanup()


if __name__ == "__main__":
    main()
