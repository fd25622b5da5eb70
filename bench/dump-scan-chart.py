#!/usr/bin/env python3
"""Draws bench/dump-scan-throughput.svg, scan throughput by dump format, from the JSON report of DumpScanBenchmarks
(BenchmarkDotNet --exporters json). Standard library only.

    python3 bench/dump-scan-chart.py BenchmarkDotNet.Artifacts/results/CrashDmCrypt.Bench.DumpScanBenchmarks-report-full-compressed.json \
        [--rg MIB_S] [--title TEXT] [-o bench/dump-scan-throughput.svg]

--rg adds ripgrep's fixed-string count on the raw 1 GiB image (compare-scan.sh's MiB/s) as a reference line.
"""
import argparse
import json
import os
from xml.sax.saxutils import escape

MEMORY_MIB = 64  # DumpScanBenchmarks.MemoryMiB

parser = argparse.ArgumentParser()
parser.add_argument("report")
parser.add_argument("--rg", type=float)
parser.add_argument("--title", default="crashdmcrypt scan: memory scanned per second by dump format")
parser.add_argument("-o", "--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "dump-scan-throughput.svg"))
args = parser.parse_args()

with open(args.report) as f:
    report = json.load(f)
rows = []
for b in report["Benchmarks"]:
    fmt = b.get("Parameters", "").replace("Format=", "")
    mean_ns = b["Statistics"]["Mean"]
    rows.append((fmt, MEMORY_MIB / (mean_ns / 1e9)))

width, bar_h, gap, left, top = 760, 26, 10, 150, 50
height = top + len(rows) * (bar_h + gap) + 50
top_value = max([v for _, v in rows] + ([args.rg] if args.rg else []))
scale = (width - left - 90) / top_value
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
       f'<rect width="{width}" height="{height}" fill="white"/>',
       f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15">{escape(args.title)}</text>']
for i, (fmt, value) in enumerate(rows):
    y = top + i * (bar_h + gap)
    w = value * scale
    svg.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end">{escape(fmt)}</text>')
    svg.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#4878a8"/>')
    svg.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.7}">{value:,.0f} MiB/s</text>')
if args.rg:
    x = left + args.rg * scale
    svg.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 40}" stroke="#c04040" stroke-dasharray="5,4"/>')
    svg.append(f'<text x="{x:.1f}" y="{height - 24}" text-anchor="middle" fill="#c04040">rg -c -F, raw image: {args.rg:,.0f} MiB/s</text>')
svg.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="#555">{MEMORY_MIB} MiB of memory per dump; MiB/s = memory / mean time of DumpScanner.Scan (BenchmarkDotNet)</text>')
svg.append('</svg>')
with open(args.output, "w") as f:
    f.write("\n".join(svg) + "\n")
print(args.output)
