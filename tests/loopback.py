"""A throw-away HTTP server on 127.0.0.1 for the download tests (nothing leaves the machine)."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietFiles(SimpleHTTPRequestHandler):
    """Serves a directory without logging every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def files_handler(directory: Path) -> type[BaseHTTPRequestHandler]:
    return functools.partial(QuietFiles, directory=str(directory))


@contextlib.contextmanager
def serve(handler) -> Iterator[str]:
    """Run ``handler`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
