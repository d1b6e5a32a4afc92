"""A provider double that hangs: a real local server that accepts connections and never
answers, so that HTTP timeouts (and what Tendon does while it waits) are exercised for real."""

from __future__ import annotations

import socket
import threading


class HangingProvider:
    """A provider that accepts connections and never answers, until the test ends."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.done = threading.Event()
        self.accepted = 0  # requests that reached it (each hung one leaves its connection)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        held = []
        self.listener.settimeout(0.1)
        while not self.done.is_set():
            try:
                peer, _ = self.listener.accept()
            except TimeoutError:
                continue
            held.append(peer)  # read nothing, answer nothing
            self.accepted += 1
        for peer in held:
            peer.close()
        self.listener.close()

    def close(self) -> None:
        self.done.set()
