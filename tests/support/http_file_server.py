#!/usr/bin/env python3
"""A small HTTP file server for the agent tests.

Serves the files of --root (GET, with Range: bytes=N- and N-M), logs one line
per request to --log ("GET /name range=bytes=N-"), and writes its port to
--port-file once it listens. With --certfile and --keyfile it speaks HTTPS. Files in --control steer it while it runs:
  rate   bytes per second to send (absent or 0: as fast as possible)
  hold   while it exists, requests wait before any byte is sent
  stall  while it exists, a response stops sending after its first chunk
"""
import argparse
import http.server
import os
import socketserver
import ssl
import threading
import time

CHUNK = 16 * 1024


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def control(self, name):
        return os.path.join(self.server.control, name)

    def rate(self):
        try:
            with open(self.control("rate")) as f:
                return int(f.read().strip() or "0")
        except (OSError, ValueError):
            return 0

    def record(self):
        line = "%s %s range=%s\n" % (self.command, self.path, self.headers.get("Range", ""))
        with self.server.log_lock, open(self.server.log, "a") as f:
            f.write(line)

    def do_GET(self):
        self.record()
        while os.path.exists(self.control("hold")):
            time.sleep(0.02)
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(self.server.root, name)
        if not name or not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            first, _, last = wanted[len("bytes="):].partition("-")
            start = int(first) if first else 0
            end = min(int(last), size - 1) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            remaining = end - start + 1
            sent = 0
            while remaining > 0:
                if sent > 0:
                    while os.path.exists(self.control("stall")):
                        time.sleep(0.02)
                rate = self.rate()
                data = f.read(min(remaining, CHUNK if rate <= 0 else max(1, rate // 10)))
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                remaining -= len(data)
                sent += len(data)
                if rate > 0:
                    time.sleep(len(data) / rate)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    if args.certfile:
        # A client that refuses the certificate fails the handshake in accept(): an
        # OSError, which the server survives, and no request is logged.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.certfile, args.keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.root, server.control, server.log = args.root, args.control, args.log
    server.log_lock = threading.Lock()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
