"""A local stand-in for the ECS instance metadata service, serving a metadata document the
way the service does: a directory lists its children (a trailing ``/`` on subdirectories), an
item returns its text, a missing path is 404. With ``token`` set it runs in hardened mode:
``PUT /latest/api/token`` issues the token, and every other request without it gets 401."""

from __future__ import annotations

import json
import pathlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List, Optional


class MetadataServer:
    def __init__(self, document: pathlib.Path, token: Optional[str] = None) -> None:
        tree = json.loads(document.read_text())
        self.tree: Any = tree.get("latest", {}).get("meta-data", tree)
        self.token = token
        self.requests: List[tuple] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self) -> None:
                server.requests.append(("PUT", self.path, dict(self.headers)))
                if self.path == "/latest/api/token" and server.token is not None:
                    if not self.headers.get("X-aliyun-ecs-metadata-token-ttl-seconds"):
                        return self.reply(400, "missing ttl")
                    return self.reply(200, server.token)
                self.reply(404, "not found")

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, dict(self.headers)))
                if server.token is not None and (
                    self.headers.get("X-aliyun-ecs-metadata-token") != server.token
                ):
                    return self.reply(401, "token required")
                path = urllib.parse.unquote(self.path)
                prefix = "/latest/meta-data/"
                if not path.startswith(prefix):
                    return self.reply(404, "not found")
                node: Any = server.tree
                for key in [k for k in path[len(prefix):].split("/") if k]:
                    if not isinstance(node, dict):
                        return self.reply(404, "not found")
                    node = node.get(key, node.get(key + "/"))
                    if node is None:
                        return self.reply(404, "not found")
                if isinstance(node, dict):
                    listing = [k.rstrip("/") + ("/" if isinstance(v, dict) else "")
                               for k, v in node.items()]
                    return self.reply(200, "\n".join(listing))
                if isinstance(node, list):
                    return self.reply(200, json.dumps(node))
                self.reply(200, str(node))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/latest/meta-data/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "MetadataServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
