"""A real HTTP server on 127.0.0.1 for the download tests, with scripted faults.

It serves the files of one folder like ``python -m http.server`` (HEAD and GET, with
Content-Length and Last-Modified). Per file name it can also:

- ``truncate``: answer GET with the full Content-Length but only half of the body, then close;
- ``fail_first[name] = n``: drop the connection without an answer on the first n GETs.

``gets[name]`` counts the GET requests per file name.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Faults:
    truncate: set[str] = field(default_factory=set)
    fail_first: dict[str, int] = field(default_factory=dict)
    gets: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(http.server.SimpleHTTPRequestHandler):
    faults: Faults

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass

    def do_GET(self) -> None:
        name = os.path.basename(self.path)
        with self.faults.lock:
            self.faults.gets[name] += 1
            n = self.faults.gets[name]
        if n <= self.faults.fail_first.get(name, 0):
            self.close_connection = True
            return
        path = Path(self.directory) / name
        if name in self.faults.truncate and path.is_file():
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        super().do_GET()


@contextmanager
def serve(
    root: str | os.PathLike[str], faults: Faults | None = None
) -> Iterator[tuple[str, Faults]]:
    """Serve ``root`` on a free port of 127.0.0.1; yields (base URL, faults)."""
    faults = faults or Faults()
    handler = functools.partial(
        type("Handler", (_Handler,), {"faults": faults}), directory=str(root)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", faults
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
