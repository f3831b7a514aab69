#!/usr/bin/env python3
"""A throwaway PostgreSQL 15 server for the benchmarks: initdb into a temporary
directory (as nobody when run as root: PostgreSQL will not run as root), pg_ctl
start on a free loopback port, databases created on demand, stopped and deleted
at exit. Unlike the tests' server (tests/support/pg_server.cpp), fsync is left
on by default, as a real deployment has it; describe() says what was used.

Run alone, it starts a server, prints its URL and settings and waits for Ctrl-C.

Queries go through libpq with ctypes (the library the plugin links; no Python
driver to install).
"""
import argparse
import ctypes
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import free_port  # noqa: E402

BIN = "/usr/lib/postgresql/15/bin"
# What describe() reports: the settings that decide what a commit costs, and the memory.
SHOWN = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers",
         "max_wal_size", "checkpoint_timeout")

_pq = ctypes.CDLL("libpq.so.5")
_pq.PQconnectdb.restype = ctypes.c_void_p
_pq.PQconnectdb.argtypes = [ctypes.c_char_p]
_pq.PQstatus.argtypes = [ctypes.c_void_p]
_pq.PQerrorMessage.restype = ctypes.c_char_p
_pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
_pq.PQfinish.argtypes = [ctypes.c_void_p]
_pq.PQexec.restype = ctypes.c_void_p
_pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_pq.PQresultStatus.argtypes = [ctypes.c_void_p]
_pq.PQntuples.argtypes = [ctypes.c_void_p]
_pq.PQnfields.argtypes = [ctypes.c_void_p]
_pq.PQgetisnull.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_pq.PQgetvalue.restype = ctypes.c_char_p
_pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_pq.PQclear.argtypes = [ctypes.c_void_p]
_CONNECTION_OK, _PGRES_COMMAND_OK, _PGRES_TUPLES_OK = 0, 1, 2


class PgError(RuntimeError):
    pass


class Connection:
    """One libpq connection; query() returns the rows as tuples of str (None for NULL)."""

    def __init__(self, url):
        self._conn = _pq.PQconnectdb(url.encode())
        if _pq.PQstatus(self._conn) != _CONNECTION_OK:
            message = _pq.PQerrorMessage(self._conn).decode(errors="replace")
            self.close()
            raise PgError(message)

    def query(self, sql):
        res = _pq.PQexec(self._conn, sql.encode())
        try:
            status = _pq.PQresultStatus(res)
            if status not in (_PGRES_COMMAND_OK, _PGRES_TUPLES_OK):
                raise PgError(_pq.PQerrorMessage(self._conn).decode(errors="replace"))
            return [tuple(None if _pq.PQgetisnull(res, r, c) else _pq.PQgetvalue(res, r, c).decode()
                          for c in range(_pq.PQnfields(res))) for r in range(_pq.PQntuples(res))]
        finally:
            _pq.PQclear(res)

    def value(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def close(self):
        if self._conn:
            _pq.PQfinish(self._conn)
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PgServer:
    """with PgServer() as pg: url = pg.create_database() ... (stopped and deleted at exit).

    settings: extra server settings {name: value}, e.g. {"synchronous_commit": "off"}."""

    def __init__(self, fsync=True, settings=None):
        self.settings = {"fsync": "on" if fsync else "off", **(settings or {})}
        self.dir = None
        self.port = None
        self.user = None
        self._databases = 0
        self._started = False

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def start(self, timeout=60):
        # A SIGTERM to the benchmark stops the server too (a server left running as nobody holds a port and disk).
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.dir = tempfile.mkdtemp(prefix="ota-bench-pg-")
        if os.geteuid() == 0:
            self.user = "nobody"
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = free_port()
        try:
            # --no-sync: initdb's own files only; the server's settings are below.
            self._run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "--no-sync",
                      "--no-locale", "-E", "UTF8")
            options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
            options += "".join(f" -c {k}={v}" for k, v in self.settings.items())
            # -W: pg_ctl does not wait; polled below with a deadline.
            self._run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log", "-W", "-o", options, "start")
            self._started = True
            deadline = time.monotonic() + timeout
            while True:
                try:
                    Connection(self.url() + "?connect_timeout=2").close()
                    return
                except PgError:
                    if time.monotonic() > deadline:
                        raise PgError("PostgreSQL did not accept connections:\n" + self.log())
                    time.sleep(0.05)
        except BaseException:
            self.cleanup()
            raise

    def url(self, db="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self):
        self._databases += 1
        name = f"bench_{self._databases}"
        with Connection(self.url()) as conn:
            conn.query(f"CREATE DATABASE {name}")  # the name is a counter, not input
        return self.url(name)

    def drop_database(self, url):
        with Connection(self.url()) as conn:
            conn.query(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def shown_settings(self):
        names = ", ".join(f"'{n}'" for n in SHOWN)
        with Connection(self.url()) as conn:
            rows = dict(conn.query(f"SELECT name, current_setting(name) FROM pg_settings WHERE name IN ({names})"))
        return {n: rows.get(n, "?") for n in SHOWN}

    def describe(self):
        """One line: the version, the settings that matter and where the data lives."""
        s = self.shown_settings()
        fs = subprocess.run(["df", "--output=fstype,source", self.dir], capture_output=True, text=True).stdout.split()
        where = f"{fs[-2]} on {fs[-1]}" if len(fs) >= 2 else "?"
        return ("PostgreSQL " + s.pop("server_version") + ", " + ", ".join(f"{k}={v}" for k, v in s.items()) +
                f", data in {self.dir} ({where}), loopback port {self.port}")

    def _processes(self):
        """(pid, stat fields after the name) of the postmaster and its children."""
        with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
            postmaster = int(f.readline())
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                yield int(entry), fields, int(entry) == postmaster

    def pids(self):
        return [pid for pid, _, _ in self._processes()]

    def cpu_seconds(self):
        """CPU time of the whole server: the postmaster, its live processes and those that exited."""
        total = 0
        for _, fields, is_postmaster in self._processes():
            # The postmaster's own time and that of its children it waited for (exited backends).
            total += sum(int(x) for x in fields[11:15 if is_postmaster else 13])
        return total / os.sysconf("SC_CLK_TCK")

    def log(self):
        text = ""
        for name in ("commands.log", "server.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def cleanup(self):
        if self._started:
            self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop", check=False)
            self._started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _run(self, program, *args, check=True):
        command = [os.path.join(BIN, program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]  # no PAM session, no login shell
        with open(os.path.join(self.dir, "commands.log"), "a") as out:
            # cwd: the server's user may not read the caller's.
            rc = subprocess.run(command, cwd=self.dir, stdout=out, stderr=subprocess.STDOUT).returncode
        if check and rc != 0:
            raise PgError(f"{program} failed ({rc}):\n" + self.log())
        return rc


def add_arguments(parser):
    """The options every benchmark on PostgreSQL takes."""
    parser.add_argument("--pg-fsync", choices=("on", "off"), default="on",
                        help="the server's fsync (on: as a deployment has it)")
    parser.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="another server setting (repeatable), e.g. synchronous_commit=off")


def server_from_args(args):
    settings = {}
    for spec in args.pg_setting:
        name, sep, value = spec.partition("=")
        if not sep or not name:
            sys.exit(f"--pg-setting {spec!r}: expected NAME=VALUE")
        settings[name] = value
    return PgServer(fsync=args.pg_fsync == "on", settings=settings)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    args = p.parse_args()
    with server_from_args(args) as pg:
        print(pg.create_database())
        print(pg.describe(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
