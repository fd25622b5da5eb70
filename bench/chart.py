#!/usr/bin/env python3
"""Draws time per key count (1, 16, 128) for codec, floor, naive and kernel-style C as SVG, one chart per
operation (serialise, read, restore), from a BenchmarkDotNet JSON report of this suite (--exporters json) and,
optionally, the output of the kernel-style C program (spec/reference/build/kstyle_bench, or the file
bench/compare-c.sh --c-out writes). Standard library only; log-log axes, medians.

    bench/chart.py REPORT.json [MORE.json ...] [--c C.txt] [--order LE|BE] [--out-dir bench] [--title TEXT]

Several reports are merged (a later report's row replaces an earlier one's for the same case), so separate
runs per key count can be drawn together; rows of one run are the better comparison.

Writes OUT_DIR/chart-serialise.svg, chart-read.svg and chart-restore.svg.
"""
import argparse
import json
import math
import os
import re
import sys
from xml.sax.saxutils import escape

# Row name -> (operation, series label). Only rows named here are drawn.
ROWS = {
    "Serialise_Codec_Write": ("serialise", "codec (Write)"),
    "Serialise_Codec_WriteValidated": ("serialise", "codec (KeyBlobKeySet.Write)"),
    "Serialise_Floor_ClearCopy": ("serialise", "floor"),
    "Serialise_Naive_BinaryWriter": ("serialise", "naive"),
    "Read_Codec_TryReadEnumerate": ("read", "codec (strict)"),
    "Read_Codec_KernelModeEnumerate": ("read", "codec (kernel mode)"),
    "Read_Floor_ScanOnce": ("read", "floor"),
    "Read_Naive_BinaryReader": ("read", "naive"),
    "Restore_Codec_Restore": ("restore", "codec (strict)"),
    "Restore_Floor_ClearCopy": ("restore", "floor"),
    "Restore_Naive_BinaryReader": ("restore", "naive"),
}
COLOURS = {
    "codec": "#1f77b4", "codec (Write)": "#1f77b4", "codec (strict)": "#1f77b4",
    "codec (KeyBlobKeySet.Write)": "#17becf", "codec (kernel mode)": "#17becf",
    "floor": "#2ca02c", "naive": "#d62728", "kernel-style C": "#ff7f0e",
}


def load_bdn(path, order):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    series = {}
    for b in report.get("Benchmarks", []):
        method = b.get("Method")
        if method not in ROWS:
            continue
        params = b.get("Parameters", "")
        keys = re.search(r"KeyCount=(\d+)", params)
        bo = "BE" if "BigEndian" in params else "LE"
        median = (b.get("Statistics") or {}).get("Median")
        if keys is None or bo != order or median is None:
            continue
        op, label = ROWS[method]
        series.setdefault(op, {}).setdefault(label, {})[int(keys.group(1))] = float(median)
    return series


def load_c(path, order, series):
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 4 or line.startswith("#") or fields[1] != order:
                continue
            try:
                keys, median = int(fields[2]), float(fields[3])
            except ValueError:
                continue
            series.setdefault(fields[0], {}).setdefault("kernel-style C", {})[keys] = median


def nice_ticks(lo, hi):
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= v <= hi:
                ticks.append(v)
    return ticks


def fmt_ns(v):
    if v >= 1e6:
        return f"{v / 1e6:g} ms"
    if v >= 1e3:
        return f"{v / 1e3:g} us"
    return f"{v:g} ns"


def svg(op, lines, title):
    w, h, left, right, top, bottom = 720, 440, 80, 230, 40, 50
    pw, ph = w - left - right, h - top - bottom
    xs = sorted({k for pts in lines.values() for k in pts})
    ys = [v for pts in lines.values() for v in pts.values()]
    if not xs or not ys:
        return None
    ylo, yhi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    xlo, xhi = min(xs), max(xs)
    xspan = math.log(xhi) - math.log(xlo) or 1.0

    def px(k):
        return left + (math.log(k) - math.log(xlo)) / xspan * pw

    def py(v):
        return top + ph - (math.log(v) - math.log(ylo)) / (math.log(yhi) - math.log(ylo)) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>']
    for t in nice_ticks(ylo, yhi):
        y = py(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_ns(t)}</text>')
    for k in xs:
        x = px(k)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{k}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{h - 12}" text-anchor="middle">keys in the blob (log scale)</text>')
    out.append(f'<text transform="translate(16,{top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">median time per operation (log scale)</text>')
    for i, (label, pts) in enumerate(sorted(lines.items())):
        colour = COLOURS.get(label, "#555")
        dash = ' stroke-dasharray="5,3"' if label in ("codec (KeyBlobKeySet.Write)", "codec (kernel mode)") else ""
        ks = sorted(pts)
        path = " ".join(f"{'M' if j == 0 else 'L'}{px(k):.1f},{py(pts[k]):.1f}" for j, k in enumerate(ks))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for k in ks:
            out.append(f'<circle cx="{px(k):.1f}" cy="{py(pts[k]):.1f}" r="3" fill="{colour}"><title>{escape(label)}, {k} keys: {pts[k]:.1f} ns</title></circle>')
        ly = top + 10 + i * 20
        out.append(f'<line x1="{left + pw + 14}" y1="{ly}" x2="{left + pw + 38}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + pw + 44}" y="{ly + 4}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", help="BenchmarkDotNet JSON reports (*-report-full-compressed.json or *-report.json)")
    ap.add_argument("--c", dest="c", help="output of the kernel-style C program (lines: op bo keys ns_median ...)")
    ap.add_argument("--order", default="LE", choices=["LE", "BE"], help="byte order to draw (default LE)")
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)), help="where the SVGs go (default bench/)")
    ap.add_argument("--title", default="", help="appended to each chart's title (machine, date)")
    args = ap.parse_args()

    series = {}
    for report in args.reports:
        for op, lines in load_bdn(report, args.order).items():
            for label, points in lines.items():
                series.setdefault(op, {}).setdefault(label, {}).update(points)
    if args.c:
        load_c(args.c, args.order, series)
    if not series:
        sys.exit("chart.py: no rows of this suite in the report")
    for op in ("serialise", "read", "restore"):
        if op not in series:
            continue
        title = f"{op}, {args.order}" + (f" ({args.title})" if args.title else "")
        text = svg(op, series[op], title)
        if text is None:
            continue
        path = os.path.join(args.out_dir, f"chart-{op}.svg")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(path)


if __name__ == "__main__":
    main()
