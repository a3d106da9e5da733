"""WebSocket clients that read everything a StreamViz server sends, in a process of their own (so
that what they hold is not counted as the producer's), for tests and benchmarks:

    python scripts/ws_readers.py ws://127.0.0.1:PORT/ws N [WIDGET]

prints READY once all N have their `hello`, reads until stdin closes or the server goes; with
WIDGET, prints HISTORY each time a client is sent that widget's history after its first snapshot
(a client sent back to a snapshot)."""

import json
import sys
import threading

from websockets.sync.client import connect


def main() -> None:
    url, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
    watched = sys.argv[3] if len(sys.argv) > 3 else None
    ready = threading.Barrier(n + 1)
    printing = threading.Lock()

    def read() -> None:
        with connect(url, max_size=None) as ws:
            ws.recv()
            ready.wait()
            started = False  # past the first snapshot (config, history..., stats)
            try:
                for message in ws:
                    if watched is None:
                        continue
                    # Messages begin with their type; only histories are parsed.
                    if message.startswith('{"type":"stats"'):
                        started = True
                    elif started and message.startswith('{"type":"history"') and json.loads(message).get("widget") == watched:
                        with printing:
                            print("HISTORY", flush=True)
            except Exception:
                pass

    for _ in range(n):
        threading.Thread(target=read, daemon=True).start()
    ready.wait()
    print("READY", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
