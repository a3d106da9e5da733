"""WebSocket clients that read everything a StreamViz server sends, in a process of their own (so
that what they hold is not counted as the producer's), for tests and benchmarks:

    python scripts/ws_readers.py ws://127.0.0.1:PORT/ws N

prints READY once all N have their `hello`, reads until stdin closes or the server goes."""

import sys
import threading

from websockets.sync.client import connect


def main() -> None:
    url, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
    ready = threading.Barrier(n + 1)

    def read() -> None:
        with connect(url, max_size=None) as ws:
            ws.recv()
            ready.wait()
            try:
                for _ in ws:
                    pass
            except Exception:
                pass

    for _ in range(n):
        threading.Thread(target=read, daemon=True).start()
    ready.wait()
    print("READY", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
