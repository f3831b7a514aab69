#!/usr/bin/env python3
"""Where the broker thread's time goes: `perf record` of the broker's main
thread while loadgen runs one load, then the top symbols with their share.

  bench/profile.py [--load ota|telemetry] [--variant plugin|bare|noop|parse|noop+shared|noop+unshared]
                   [--plugin-build PATH] [--seconds 5] [--top 25] [--keep DIR]

Prints the shares by shared object (kernel, libc, mosquitto, the plugin), then
the top symbols. Needs perf (root, or kernel.perf_event_paranoid <= 1).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LOADGEN, Broker, make_passwd  # noqa: E402


def report(data, sort, top, dsos=None):
    cmd = ["perf", "report", "-i", data, "--no-children", "--sort", sort, "-g", "none", "--stdio"]
    if dsos:
        cmd += ["--dsos", dsos]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = [line for line in out.splitlines() if line.strip() and not line.startswith("#")]
    return rows[:top]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--load", choices=("ota", "telemetry"), default="ota")
    p.add_argument("--variant", choices=("plugin", "bare", "noop", "parse", "noop+shared", "noop+unshared"),
                   default="plugin", help="noop+shared: the no-op plugin with an idle thread sharing the broker's "
                   "file table; noop+unshared: its thread has its own (runtime/files_apart.h)")
    p.add_argument("--plugin-build", help="another build of mosquitto_ota.so (with --variant plugin)")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--keep", help="keep perf.data in this directory")
    args = p.parse_args()

    tmp = tempfile.mkdtemp(prefix="ota-profile-")
    passwd = os.path.join(tmp, "passwd")
    make_passwd(passwd, [f"bench/d{i}" for i in range(1, args.devices + 1)])
    kind = args.variant
    broker = Broker(passwd, kind == "plugin", {"flush_ms": 200}, plugin_path=args.plugin_build,
                    noop_mode=None if kind in ("plugin", "bare") else kind)
    broker.start()
    data = os.path.join(args.keep or tmp, "perf.data")
    load = "ingest" if args.load == "ota" else "telemetry"
    gen = subprocess.Popen([LOADGEN, load, str(broker.port), "bench", "1", str(args.devices), str(args.seconds), "1",
                            "10"], stdout=subprocess.PIPE, text=True)
    perf, summary = None, ""
    for line in gen.stdout:
        if line.startswith("ready"):
            perf = subprocess.Popen(["perf", "record", "-F", "2999", "-t", str(broker.proc.pid), "-o", data],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif line.startswith("summary"):
            summary = line.strip()
            perf.send_signal(signal.SIGINT)
            perf.wait()
    gen.wait()
    broker.cleanup()
    print(f"{args.variant}{' ' + args.plugin_build if args.plugin_build else ''}, {args.load} load: {summary}")
    print("broker thread, by shared object:")
    for row in report(data, "dso", 6):
        print("  " + row.strip())
    print(f"broker thread, top {args.top} symbols:")
    for row in report(data, "dso,sym", args.top):
        print("  " + row.strip())
    plugin_so = os.path.basename(args.plugin_build) if args.plugin_build else "mosquitto_ota.so"
    if kind == "plugin":
        print("broker thread, top symbols of the plugin (share of the whole thread):")
        for row in report(data, "sym", 10, plugin_so):
            print("  " + row.strip()[:160])
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
