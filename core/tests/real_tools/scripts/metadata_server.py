"""A cloud metadata service for the engine's tests, run inside the test host's network
namespace on 127.0.0.1 (and for the Python package's tests): it serves the JSON tree in TREE (re-read on every request, so a test
changes what the cloud says between two syncs) the way EC2's IMDSv2 does — a token from
`PUT /latest/api/token` required on every GET (401 without), listings for directories, text
for values, 404 for what is not there. The file FAIL (when it exists) breaks the crawl midway:
it holds `KEY` or `MODE KEY`, and a GET whose path ends with KEY answers by MODE — `500`
(the default) an Internal Server Error, `slow` nothing for 30 s, `cut` half of its body under a
Content-Length that promises all of it, then the connection closed.

Usage: python3 metadata_server.py TREE FAIL PORT [ADDRESS]   (ADDRESS 127.0.0.1 unless given,
e.g. 169.254.169.254 inside a namespace where the service stands where EC2's does)"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "AQAEAtesttoken=="


class Handler(BaseHTTPRequestHandler):
    tree_path = ""
    fail_path = ""

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def fail(self, mode: str) -> None:
        if mode == "slow":
            time.sleep(30)
            self.reply(200, "too late")
        elif mode == "cut":
            body = b"10.0.1.10\n10.0.1.12\n10.0.1.13"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.reply(500, "Internal Server Error")

    def do_PUT(self) -> None:
        if self.path != "/latest/api/token":
            self.reply(404, "Not Found")
        elif not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.reply(400, "Missing TTL")
        else:
            self.reply(200, TOKEN)

    def do_GET(self) -> None:
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            self.reply(401, "Unauthorized")
            return
        prefix = "/latest/meta-data/"
        if not self.path.startswith(prefix):
            self.reply(404, "Not Found")
            return
        path = self.path[len(prefix):]
        if os.path.exists(self.fail_path):
            with open(self.fail_path) as f:
                words = f.read().split()
            mode, failing = (words if len(words) == 2 else ["500", "".join(words)])
            if failing and path.rstrip("/").endswith(failing):
                self.fail(mode)
                return
        with open(self.tree_path) as f:
            node = json.load(f)
        for part in [p for p in path.split("/") if p]:
            # A tree may spell a directory's key with the listing's trailing `/`.
            key = part if isinstance(node, dict) and part in node else part + "/"
            if not isinstance(node, dict) or key not in node:
                self.reply(404, "Not Found")
                return
            node = node[key]
        if isinstance(node, dict):
            lines = [key.rstrip("/") + ("/" if isinstance(value, dict) else "")
                     for key, value in node.items()]
            self.reply(200, "\n".join(lines))
        else:
            self.reply(200, str(node))


def main() -> None:
    tree, fail, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    address = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    Handler.tree_path = tree
    Handler.fail_path = fail
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer((address, port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
