"""A live Pathway pipeline on a StreamViz dashboard: orders stream in (some amended, some
cancelled), and the dashboard shows revenue and order counts per region, orders per 10 s
window, p95 latency per window and the latest orders.

    pip install stream-viz pathway && python examples/pathway_demo.py

Open http://127.0.0.1:3000 (or pass --window for the native viewer). Ctrl+C stops it;
--seconds N stops the stream after N seconds.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

import pathway as pw

import stream_viz as sv

REGIONS = ["eu-west", "us-east", "us-west", "ap-south"]


class Order(pw.Schema):
    order_id: int = pw.column_definition(primary_key=True)
    region: str
    amount: float
    latency_ms: float
    status: str
    at: pw.DateTimeUtc


class Orders(pw.io.python.ConnectorSubject):
    """About 40 orders a second; now and then one is amended or cancelled."""

    def __init__(self, seconds: float | None) -> None:
        super().__init__(session_type="upsert")
        self.seconds = seconds

    def run(self) -> None:
        rng = random.Random(7)
        started = time.monotonic()
        open_orders: dict[int, dict] = {}
        order_id = 0
        while self.seconds is None or time.monotonic() - started < self.seconds:
            for _ in range(rng.randint(2, 6)):
                region = rng.choice(REGIONS)
                order = {
                    "order_id": order_id,
                    "region": region,
                    "amount": round(rng.lognormvariate(3.5, 0.8), 2),
                    "latency_ms": round(rng.lognormvariate(4 if region != "ap-south" else 4.6, 0.5), 1),
                    "status": "placed",
                    "at": datetime.now(timezone.utc),
                }
                self.next(**order)
                open_orders[order_id] = order
                order_id += 1
            if open_orders and rng.random() < 0.2:
                changed = open_orders.pop(rng.choice(list(open_orders)))
                if rng.random() < 0.5:
                    self.delete(**changed)
                else:
                    self.next(**{**changed, "amount": round(changed["amount"] * 1.5, 2), "status": "amended"})
            while len(open_orders) > 200:
                open_orders.pop(next(iter(open_orders)))
            self.commit()
            time.sleep(0.1)  # the pace of the demo stream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None, help="stop the stream after this many seconds")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--window", action="store_true", help="also open the native viewer")
    args = parser.parse_args()

    orders = pw.io.python.read(Orders(args.seconds), schema=Order, autocommit_duration_ms=None)
    per_region = orders.groupby(pw.this.region).reduce(
        pw.this.region,
        orders=pw.reducers.count(),
        revenue=pw.reducers.sum(pw.this.amount),
        avg_latency_ms=pw.reducers.avg(pw.this.latency_ms),
    )
    totals = orders.reduce(orders=pw.reducers.count(), revenue=pw.reducers.sum(pw.this.amount))
    per_window = orders.windowby(pw.this.at, window=pw.temporal.tumbling(duration=timedelta(seconds=10)), instance=pw.this.region).reduce(
        region=pw.this._pw_instance, window_end=pw.this._pw_window_end, orders=pw.reducers.count()
    )
    latest = orders.select(pw.this.order_id, pw.this.region, pw.this.amount, pw.this.status)

    sv.title("Orders (Pathway)")
    with sv.columns(3):
        with sv.column():
            sv.stat(totals, "revenue", title="Revenue", format=",.0f", unit="€")
        with sv.column():
            sv.stat(totals, "orders", title="Open orders", format=",.0f")
        with sv.column():
            sv.gauge(per_region.filter(pw.this.region == "ap-south"), "avg_latency_ms", widget_id="ap-latency", title="ap-south avg latency", unit="ms", min=0, max=200, thresholds=[(80, "green"), (120, "yellow"), (200, "red")])
    sv.chart(per_window, x="window_end", y="orders", series="region", title="Orders per 10 s by region", widget_id="orders-per-window")
    sv.metric(orders, "latency_ms", title="p95 latency per 10 s", unit="ms", window="10s", aggregation="p95", widget_id="p95-latency")
    with sv.columns(2):
        with sv.column():
            sv.table(per_region, title="Per region", sort_by="-revenue")
        with sv.column():
            sv.table(latest, title="Latest orders", sort_by="-order_id", max_rows=50)
    sv.start(port=args.port, mode="both" if args.window else "web")
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)


if __name__ == "__main__":
    main()
