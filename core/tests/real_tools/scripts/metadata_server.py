"""A cloud metadata service for the engine's tests, run inside the test host's network
namespace on 127.0.0.1 (and for the Python package's tests): it serves the JSON tree in TREE (re-read on every request, so a test
changes what the cloud says between two syncs) the way EC2's IMDSv2 does — a token from
`PUT /latest/api/token` required on every GET (401 without), listings for directories, text
for values, 404 for what is not there. A key whose path ends with the text of the file FAIL
(when it exists) answers 500, so a test breaks the crawl midway.

Usage: python3 metadata_server.py TREE FAIL PORT"""

from __future__ import annotations

import json
import os
import sys
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
                failing = f.read().strip()
            if failing and path.rstrip("/").endswith(failing):
                self.reply(500, "Internal Server Error")
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
    Handler.tree_path = tree
    Handler.fail_path = fail
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
