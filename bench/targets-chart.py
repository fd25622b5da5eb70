#!/usr/bin/env python3
"""Draws one chart per issue-23 target from what its script printed (standard library only): each case's ratio as a bar
against the target line, with the two times behind it.

    python3 bench/targets-chart.py --title TEXT [--kdump LOG] [--rg LOG] [--tool LOG] [--scale LOG] [-o DIR]

--kdump   bench/kdump-vs-libkdumpfile.sh's output (target 1: scan / libkdumpfile reading every page, at most 0.35)
--rg      bench/scan-vs-rg.sh's output            (target 2: scan / rg -c -a -F, at most 1.0)
--tool    bench/tool-vs-native.sh's output        (target 3: the installed tool / the native binary, at most 1.3)
--scale   bench/scan-scale.sh's output            (target 4: 8 GiB / 1 GiB, at most 9; 1 core / 2 cores, shown)
Writes DIR/target1-kdump.svg, target2-raw.svg, target3-tool.svg and target4-scale.svg for the logs given (DIR: bench/).
"""
import argparse
import os
import re
from xml.sax.saxutils import escape

parser = argparse.ArgumentParser()
parser.add_argument("--title", required=True, help="machine, load and date, printed under each chart's heading")
parser.add_argument("--kdump")
parser.add_argument("--rg")
parser.add_argument("--tool")
parser.add_argument("--scale")
parser.add_argument("-o", "--output", default=os.path.dirname(os.path.abspath(__file__)))
args = parser.parse_args()


def read(path):
    with open(path) as f:
        return f.read()


def chart(name, heading, rows, target, unit_note):
    """rows: (label, ratio, note[, judged]); a bar per row (grey when the row has no target), the target as a dashed line."""
    width, bar_h, gap, left, top, right = 1000, 26, 12, 170, 70, 330
    height = top + len(rows) * (bar_h + gap) + 60
    top_value = max([row[1] for row in rows] + [target]) * 1.15
    scale = (width - left - right) / top_value
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="15">{escape(heading)}</text>',
           f'<text x="{width / 2}" y="44" text-anchor="middle" font-size="11" fill="#555">{escape(args.title)}</text>']
    for i, (label, ratio, note, *judged) in enumerate(rows):
        y = top + i * (bar_h + gap)
        colour = "#888888" if judged == [False] else "#2b7a3d" if ratio <= target else "#b23b3b"
        svg.append(f'<text x="{left - 8}" y="{y + bar_h / 2 + 5}" text-anchor="end">{escape(label)}</text>')
        svg.append(f'<rect x="{left}" y="{y}" width="{ratio * scale:.1f}" height="{bar_h}" fill="{colour}"/>')
        svg.append(f'<text x="{left + ratio * scale + 6:.1f}" y="{y + bar_h / 2 - 2}" font-size="12">{ratio:.2f}x</text>')
        svg.append(f'<text x="{left + ratio * scale + 6:.1f}" y="{y + bar_h / 2 + 11}" font-size="10" fill="#555">{escape(note)}</text>')
    x = left + target * scale
    bottom = top + len(rows) * (bar_h + gap)
    svg.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{bottom}" stroke="black" stroke-dasharray="5,4"/>')
    svg.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="12">target {target}x</text>')
    svg.append(f'<text x="{left}" y="{bottom + 40}" font-size="11" fill="#555">{escape(unit_note)}</text>')
    svg.append('</svg>')
    path = os.path.join(args.output, name)
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")
    print(path)


if args.kdump:
    rows = [(f"{m} pages", float(r), f"scan {s} ms, libkdumpfile {l} ms")
            for m, s, l, r in re.findall(r"^(\S+)\s+\([^)]*\): scan (\d+) ms .*?libkdumpfile (\d+) ms .*?scan/libkdumpfile ([\d.]+)", read(args.kdump), re.M)]
    chart("target1-kdump.svg", "Target 1: scan of a 512 MiB kdump-compressed dump / libkdumpfile reading every page", rows, 0.35,
          "bench/kdump-vs-libkdumpfile.sh, medians; every-form search on")
if args.rg:
    # Each image's scan / rg, then (grey, no target: logs from 1322d1e on) the floor of bench/raw-floor.c / rg.
    rows = []
    for img, s, mode, g, r, floor in re.findall(r"^(\S+): scan (\d+) ms \([^)]*\), (rg(?: --no-mmap)?) (\d+) ms .*?scan/rg ([\d.]+)[^\n]*?(?:floor (\d+) ms[^\n]*)?$", read(args.rg), re.M):
        label = os.path.basename(img).replace("cdc-scan-", "").replace(".raw", "").replace("1g", "mixed 1 GiB").replace("adversarial-mixed 1 GiB", "adversarial 1 GiB")
        rows.append((label, float(r), f"scan {s} ms, {mode} {g} ms"))
        if floor:
            rows.append((f"floor, {label}", int(floor) / int(g), f"read + probe only {floor} ms (bench/raw-floor.c)", False))
    chart("target2-raw.svg", "Target 2: scan of a 1 GiB raw image / rg -c -a -F on it (the faster of its two ways)", rows, 1.0,
          "bench/scan-vs-rg.sh, medians; every-form search on")
if args.tool:
    text = read(args.tool)
    tool = re.search(r"installed tool: median (\d+) ms", text).group(1)
    native = re.search(r"native binary:\s+median (\d+) ms", text).group(1)
    ratio = float(re.search(r"ratio tool/native: ([\d.]+)", text).group(1))
    chart("target3-tool.svg", "Target 3: scan by the installed dotnet tool / the native binary", [("tool / native", ratio, f"tool {tool} ms, native {native} ms")], 1.3,
          "bench/tool-vs-native.sh, medians")
if args.scale:
    text = read(args.scale)
    times = dict(re.findall(r"^(.+?)\s+([\d.]+) s\s+peak RSS", text, re.M))
    rss = dict(re.findall(r"^(.+?)\s+[\d.]+ s\s+peak RSS\s+([\d.]+) MiB", text, re.M))
    s1, s8 = float(times["sparse raw, 1 GiB"]), float(times["sparse raw, 8 GiB"])
    c1, c2 = float(times["keyed 1 GiB, 1 core"]), float(times["keyed 1 GiB, 2 cores"])
    rows = [("8 GiB / 1 GiB", s8 / s1, f"{s8:.2f} s / {s1:.2f} s; peak RSS {rss['sparse raw, 8 GiB']} MiB")]
    if "kdump, 64 GiB of memory" in times:  # scan-scale.sh from d0a6aa4 on
        k8, k64 = float(times["kdump, 8 GiB of memory"]), float(times["kdump, 64 GiB of memory"])
        rows.append(("kdump 64 / 8 GiB", k64 / k8, f"{k64:.2f} s / {k8:.2f} s; peak RSS {rss['kdump, 64 GiB of memory']} MiB"))
    rows.append(("1 core / 2 cores", c1 / c2, f"{c1:.2f} s / {c2:.2f} s (shown, no target)", False))
    chart("target4-scale.svg", "Target 4: time against size, and cores", rows, 9,
          f"bench/scan-scale.sh, medians; a 64 GiB sparse ELF took {float(times['sparse ELF, 64 GiB']):.2f} s, peak RSS {rss['sparse ELF, 64 GiB']} MiB")
