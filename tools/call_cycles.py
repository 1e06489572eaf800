#!/usr/bin/env python3
"""Call cycles between the source files of static libraries.

usage: call_cycles.py [--nm NM] LIB.a [LIB.a ...]

Reads each object's defined and undefined symbols with nm, draws an edge a.c -> b.c when a.c uses a
function or data symbol that b.c defines, and prints the strongly connected components of more than
one file with the edges inside them. Exit status 1 when there is a cycle, so a file-level call cycle
among the core's files (issue #10: none) fails the test that runs this (tests/CMakeLists.txt).
"""
import collections
import re
import subprocess
import sys


def main(argv):
    nm = "nm"
    if len(argv) > 1 and argv[1] == "--nm":
        nm = argv[2]
        argv = argv[2:]
    libs = argv[1:]
    if not libs:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    defined, used = {}, collections.defaultdict(set)
    objects = set()
    for lib in libs:
        out = subprocess.run([nm, "-A", lib], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            m = re.match(r"^.*?:([^:]+\.o(?:bj)?):\s*(.*)$", line)
            if not m:
                continue
            obj, fields = m.group(1), m.group(2).split()
            objects.add(obj)
            if len(fields) == 3 and fields[1] in "TDBR":
                defined[fields[2]] = obj
            elif len(fields) == 2 and fields[0] == "U":
                used[obj].add(fields[1])
    edges = collections.defaultdict(set)
    for obj, syms in used.items():
        for s in syms:
            target = defined.get(s)
            if target and target != obj:
                edges[obj].add(target)
    # Tarjan's strongly connected components, iteratively (no recursion limit).
    index, low, on_stack, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in sorted(objects):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                elif nxt in on_stack:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    name = lambda o: re.sub(r"\.o(bj)?$", "", o)
    cycles = [c for c in comps if len(c) > 1]
    print(f"{len(objects)} object files, {sum(len(e) for e in edges.values())} file -> file call edges, "
          f"{len(cycles)} cycle(s)")
    for c in cycles:
        print("cycle: " + " ".join(name(o) for o in c))
        for a in c:
            print(f"    {name(a)} -> " + " ".join(name(b) for b in sorted(edges[a]) if b in c))
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
