#!/usr/bin/env python3
"""Writes a C file defining `const char NAME[]` with the text of a file, so
that a configuration can ship inside a binary and stay one file in configs/."""
import sys

if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
    print("usage: embed-text.py NAME INPUT OUTPUT.c", file=sys.stderr)
    sys.exit(2)
name, src, dst = sys.argv[1:]
with open(src, encoding="utf-8") as f:
    text = f.read()
lines = ['/* generated from %s by scripts/embed-text.py */' % src.split("/")[-1],
         "const char %s[] =" % name]
for line in text.splitlines(keepends=True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    lines.append('\t"%s"' % esc)
lines.append("\t;")
with open(dst, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
