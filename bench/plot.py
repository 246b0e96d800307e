#!/usr/bin/env python3
"""plot.py - turns coro_bench's CSV into an SVG chart (no third-party packages needed).

Usage: python3 bench/plot.py results.csv out.svg

Four panels, one bar per contender, log scale where the spread is wide:
per-call latency p50 and p99.9 (1 producer, paced), throughput to the null sink and to a
file (messages per second, higher is better). The machine line from the CSV's first row is
printed under the title, since absolute figures only mean something with it.
"""

import csv
import math
import sys

COLORS = {
    "F (sync)": "#888888",
    "async/block": "#d62728",
    "async/overrun": "#ff9896",
    "coro/coop": "#1f77b4",
    "coro/manual": "#17becf",
    "coro/thread": "#2ca02c",
    "coro/thread/drop_oldest": "#98df8a",
}


def load(path):
    machine = ""
    rows = []
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    if lines and lines[0].startswith("#"):
        machine = lines[0][1:].strip()
        lines = lines[1:]
    for r in csv.DictReader(lines):
        r["value"] = float(r["value"])
        rows.append(r)
    return machine, rows


def panel(rows, scenario, metric, title, unit, log, x, y, w, h):
    data = [(r["contender"], r["value"]) for r in rows
            if r["scenario"] == scenario and r["metric"] == metric and r["value"] > 0]
    out = [f'<text x="{x + w / 2}" y="{y - 8}" text-anchor="middle" font-size="14" '
           f'font-weight="bold">{title}</text>']
    out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#ccc"/>')
    if not data:
        out.append(f'<text x="{x + 10}" y="{y + 20}" font-size="12">no data</text>')
        return out
    top = max(v for _, v in data)
    bottom = min(v for _, v in data)

    def scale(v):
        if log:
            lo = math.log10(max(bottom / 2, 1e-9))
            hi = math.log10(top * 1.5)
            return (math.log10(v) - lo) / (hi - lo) * (h - 40)
        return v / (top * 1.15) * (h - 40)

    bar_w = (w - 20) / len(data)
    for i, (who, v) in enumerate(data):
        bh = max(scale(v), 1)
        bx = x + 10 + i * bar_w
        by = y + h - 30 - bh
        color = COLORS.get(who, "#9467bd")
        label = f"{v / 1e6:.2f}M" if v >= 1e5 else (f"{v / 1e3:.1f}k" if v >= 1e4 else f"{v:.0f}")
        out.append(f'<rect x="{bx + 4}" y="{by}" width="{bar_w - 8}" height="{bh}" fill="{color}"/>')
        out.append(f'<text x="{bx + bar_w / 2}" y="{by - 3}" text-anchor="middle" '
                   f'font-size="11">{label}</text>')
        short = who.replace("/drop_oldest", "/drop").replace("async/overrun", "async/ovr")
        out.append(f'<text x="{bx + bar_w / 2}" y="{y + h - 14}" text-anchor="middle" '
                   f'font-size="9">{short}</text>')
    out.append(f'<text x="{x + 4}" y="{y + 14}" font-size="10" fill="#666">'
               f'{unit}{" (log scale)" if log else ""}</text>')
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    machine, rows = load(sys.argv[1])
    width, height = 1100, 760
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="28" text-anchor="middle" font-size="18" '
             f'font-weight="bold">coro_sink vs spdlog async_logger vs synchronous floor</text>',
             f'<text x="{width / 2}" y="48" text-anchor="middle" font-size="11" '
             f'fill="#444">{machine}</text>']
    pw, ph = 500, 300
    parts += panel(rows, "latency 1T", "p50", "latency per call, p50, 1 producer (lower is better)",
                   "ns", False, 40, 90, pw, ph)
    parts += panel(rows, "latency 1T", "p99.9", "latency per call, p99.9, 1 producer (lower is better)",
                   "ns", True, 570, 90, pw, ph)
    parts += panel(rows, "throughput null 4T", "msgs/s",
                   "throughput to null sink, 4 producers (higher is better)", "msg/s", False, 40,
                   440, pw, ph)
    parts += panel(rows, "throughput file 1T", "msgs/s",
                   "throughput to basic_file_sink, 1 producer (higher is better)", "msg/s", False,
                   570, 440, pw, ph)
    parts.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
