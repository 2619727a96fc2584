#!/usr/bin/env python3
"""Turns a tmux `capture-pane -e -p` dump (text with SGR colour codes) into
an SVG picture of the terminal. Used by scripts/screenshots."""
import html
import re
import sys

PALETTE = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
           "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
FG, BG = "#d4d4d4", "#1e1e1e"
CW, CH = 8.4, 17


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def parse(line):
    """Cells of one line: (char, fg, bg, bold, dim)."""
    st = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
    cells = []
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        if part.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    st = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
                elif c == 1: st["bold"] = True
                elif c == 2: st["dim"] = True
                elif c == 22: st["bold"] = st["dim"] = False
                elif c == 7: st["rev"] = True
                elif c == 27: st["rev"] = False
                elif 30 <= c <= 37: st["fg"] = PALETTE[c - 30]
                elif 90 <= c <= 97: st["fg"] = PALETTE[c - 90 + 8]
                elif c == 39: st["fg"] = None
                elif 40 <= c <= 47: st["bg"] = PALETTE[c - 40]
                elif 100 <= c <= 107: st["bg"] = PALETTE[c - 100 + 8]
                elif c == 49: st["bg"] = None
                elif c in (38, 48) and i + 1 < len(codes):
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        st["fg" if c == 38 else "bg"] = xterm256(codes[i + 2]); i += 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        st["fg" if c == 38 else "bg"] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5]); i += 4
                i += 1
            continue
        part = re.sub(r"\x1b[^a-zA-Z]*[a-zA-Z]", "", part)
        for ch in part:
            fg, bg = st["fg"] or FG, st["bg"] or BG
            if st["rev"]:
                fg, bg = bg, fg
            cells.append((ch, fg, bg, st["bold"], st["dim"]))
    return cells


def main(src, dst, cols, rows):
    lines = open(src, encoding="utf-8", errors="replace").read().split("\n")[:rows]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * CW + 16:.0f}" height="{rows * CH + 16}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>']
    for y, line in enumerate(lines):
        cells = parse(line)
        ty = 8 + y * CH
        x = 0
        while x < len(cells):
            ch, fg, bg, bold, dim = cells[x]
            run = x
            while run < len(cells) and cells[run][1:] == cells[x][1:]:
                run += 1
            text = "".join(c[0] for c in cells[x:run])
            if bg != BG:
                out.append(f'<rect x="{8 + x * CW:.1f}" y="{ty}" width="{(run - x) * CW:.1f}" height="{CH}" fill="{bg}"/>')
            if text.strip():
                attrs = f'fill="{fg}"' + (' font-weight="bold"' if bold else "") + (' opacity="0.6"' if dim else "")
                out.append(f'<text x="{8 + x * CW:.1f}" y="{ty + 13}" {attrs} xml:space="preserve" '
                           f'textLength="{(run - x) * CW:.1f}">{html.escape(text)}</text>')
            x = run
    out.append("</svg>")
    open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
