"""Shared pieces of the benchmarks: brokers on free loopback ports, with or without the plugin."""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("OTA_BUILD_DIR", os.path.join(ROOT, "build"))
PLUGIN = os.path.join(BUILD, "mosquitto_ota.so")
NOOP_PLUGIN = os.path.join(BUILD, "bench", "noop_plugin.so")  # the floor: see bench/noop_plugin.cpp
LOADGEN = os.path.join(BUILD, "bench", "loadgen")
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_passwd(path, users):
    with open(path, "w") as f:
        for u in users:
            f.write(f"{u}:secret\n")
    subprocess.run(["mosquitto_passwd", "-U", path], check=True)


class Broker:
    """A mosquitto process in its own directory; with_plugin=False is the bare broker.

    plugin_path loads another build of mosquitto_ota instead of build/'s; noop_mode
    ("noop" or "parse") loads bench's no-op plugin in that mode instead of mosquitto_ota;
    db_url stores in that PostgreSQL database instead of SQLite (self.db, then unused)."""

    def __init__(self, passwd, with_plugin, plugin_opts=None, db_dir=None, plugin_path=None, noop_mode=None,
                 db_url=None):
        self.dir = tempfile.mkdtemp(prefix="ota-bench-")
        self.db = os.path.join(db_dir or self.dir, "ota.db")
        self.port = free_port()
        shutil.copy(passwd, os.path.join(self.dir, "passwd"))
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous false",
            f"password_file {self.dir}/passwd",
            "persistence false",
            "max_queued_messages 100000",
            "set_tcp_nodelay true",
            f"log_dest file {self.dir}/broker.log",
            "user root",
        ]
        if noop_mode:
            mode, _, thread = noop_mode.partition("+")
            lines += [f"plugin {NOOP_PLUGIN}", f"plugin_opt_mode {mode}"]
            if thread:
                lines.append(f"plugin_opt_thread {thread}")
        elif with_plugin:
            store = f"plugin_opt_db_url {db_url}" if db_url else f"plugin_opt_db_path {self.db}"
            lines += [f"plugin {plugin_path or PLUGIN}", store, "plugin_opt_admin_usernames admin",
                      "plugin_opt_acl_default allow"]
            for k, v in (plugin_opts or {}).items():
                lines.append(f"plugin_opt_{k} {v}")
        with open(os.path.join(self.dir, "mosquitto.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self, timeout=60):
        t0 = time.monotonic()
        self.proc = subprocess.Popen([MOSQUITTO, "-c", os.path.join(self.dir, "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("broker exited: " + self.log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return time.monotonic() - t0
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("broker did not start")

    def cpu_seconds(self, broker_thread_only=False):
        """CPU time of the whole process, or of the broker's own (main) thread only."""
        path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/stat" if broker_thread_only else f"/proc/{self.proc.pid}/stat"
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run_seconds(self, broker_thread_only=False):
        """The same to the nanosecond (schedstat), for slices too short for clock ticks; threads
        that ended are not counted (the plugins' threads live as long as the broker)."""
        task_dir = f"/proc/{self.proc.pid}/task"
        tasks = [str(self.proc.pid)] if broker_thread_only else os.listdir(task_dir)
        total = 0
        for tid in tasks:
            try:
                with open(f"{task_dir}/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that ended while listed
        return total / 1e9

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def stop(self, sig=signal.SIGTERM):
        # A SIGTERM that comes just before Mosquitto 2.0.11 enters its loop is
        # lost (it sets run = 1 after installing the handler): sent again each second.
        deadline = time.monotonic() + 60
        while self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise

    def log(self):
        try:
            with open(os.path.join(self.dir, "broker.log")) as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        # OTA_BENCH_LOGS=DIR keeps each broker's log there, to see what a run did.
        keep = os.environ.get("OTA_BENCH_LOGS")
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(os.path.join(self.dir, "broker.log"), os.path.join(keep, f"broker-{self.port}.log"))
        shutil.rmtree(self.dir, ignore_errors=True)


def median(values):
    return statistics.median(values) if values else float("nan")


def admin_request(port, commands, timeout=600):
    """Sends one admin request with mosquitto_rr; returns (seconds, response text)."""
    import json
    t0 = time.monotonic()
    out = subprocess.run(["mosquitto_rr", "-p", str(port), "-u", "admin", "-P", "secret", "-t", "$CONTROL/ota/v1",
                          "-e", f"bench/replies/{os.getpid()}", "-W", str(timeout), "-m",
                          json.dumps({"commands": commands})], capture_output=True, text=True, check=True)
    return time.monotonic() - t0, out.stdout
