#!/usr/bin/python3
"""check_layers.py OBJECT... — the compiler's calls go one way (docs/compiler.md).

Reads the symbols of the compiler core's object files with nm(1) and, for
every function or object one file uses and another defines, checks:

  - between stages, only downward: base <- front <- check <- gen <- desc <-
    breaking <- the drivers (compiler/main.c, compiler/breaking_cli.c,
    compiler/plugin_main.c), each using only the stages before it;
  - within a stage, no circle: no set of files that call each other in a
    loop. A stage's files form a ladder, each calling only those below it.

Prints each violation with the names that make it and exits 1; 0 when the
rule holds; 77 (skipped) when the objects hold no symbols nm can read
(link-time-optimized objects).
"""
import os
import subprocess
import sys

STAGES = ["base", "front", "check", "gen", "desc", "breaking", "driver"]

def place(obj):
    """(stage, name) for an object file .../compiler/STAGE/FILE.c.o; the
    scanner and parser bison and flex generate (.../grammar/) are the front
    end's, the descriptor.proto and plugin.proto code typerpc_bootstrap
    generates (.../descgen/) the descriptor stage's."""
    parts = obj.replace("\\", "/").split("/")
    name = parts[-1][:-2] if parts[-1].endswith(".o") else parts[-1]
    if parts[-2] == "grammar":
        return "front", "grammar/" + name
    if "descgen" in parts:
        return "desc", "descgen/" + name
    i = len(parts) - 1 - parts[::-1].index("compiler")
    rest = parts[i + 1:]
    if len(rest) == 1:
        return "driver", name
    return rest[0], rest[0] + "/" + name


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBR":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            used.add(f[1])
    return defined, used


def circles(nodes, edges):
    """Tarjan's strongly connected components with more than one file."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main(objs):
    files, definer = {}, {}
    for obj in objs:
        stage, name = place(obj)
        defined, used = symbols(obj)
        files[name] = (stage, used)
        for s in defined:
            definer[s] = name
    if not definer:
        print("check_layers: no symbols in the objects (link-time optimized?); skipped")
        return 77

    problems = []
    edges, why = {}, {}
    for name, (stage, used) in sorted(files.items()):
        for s in sorted(used):
            other = definer.get(s)
            if not other or other == name:
                continue
            other_stage = files[other][0]
            if STAGES.index(other_stage) > STAGES.index(stage):
                problems.append(f"{name} ({stage}) calls up into {other} ({other_stage}): {s}")
            edges.setdefault(name, set()).add(other)
            why.setdefault((name, other), []).append(s)
    for comp in circles(files, edges):
        ties = [f"{a} -> {b}: {', '.join(why[(a, b)][:4])}"
                for a in comp for b in comp if (a, b) in why]
        problems.append("circle: " + ", ".join(comp) + "\n    " + "\n    ".join(ties))
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"check_layers: {len(files)} files, calls go one way")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
