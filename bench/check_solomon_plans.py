#!/usr/bin/env python3
"""Runs fieldline-optimize on every Solomon instance and checks each plan independently of the
C++ code: its own parser, capacity, time windows (service start), return to the depot by its due
date, each customer exactly once, and the reported distance and vehicle count.

    python3 bench/check_solomon_plans.py [--time-limit 0.5]
"""
import glob, json, math, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build/services/scheduling/optimizer/fieldline-optimize")
DATA = os.path.join(ROOT, "..", "shared", "data", "solomon")
limit = sys.argv[sys.argv.index("--time-limit") + 1] if "--time-limit" in sys.argv else "0.5"

bad = 0
for f in sorted(glob.glob(os.path.join(DATA, "*.txt"))):
    out = subprocess.run([CLI, "--solomon", f, "--time-limit", limit], capture_output=True, text=True).stdout
    plan = json.loads(out)
    rows, cap = {}, None
    lines = open(f).read().split("\n")
    for i, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            cap = int(lines[i + 1].split()[1])
        p = line.split()
        if len(p) == 7 and all(c.replace(".", "").isdigit() for c in p):
            rows[int(p[0])] = list(map(float, p[1:]))  # x, y, demand, ready, due, service
    total, seen, ok = 0.0, [], True
    for route in plan["routes"]:
        t, load, prev = rows[0][3], 0, 0
        for c in route:
            x = rows[c]
            d = math.dist(rows[prev][:2], x[:2])
            total += d
            t = max(t + d, x[3])
            ok &= t <= x[4] + 1e-9
            t += x[5]
            load += x[2]
            prev = c
            seen.append(c)
        d = math.dist(rows[prev][:2], rows[0][:2])
        total += d
        t += d
        ok &= t <= rows[0][4] + 1e-9 and load <= cap
    ok &= sorted(seen) == list(range(1, len(rows)))
    ok &= abs(total - plan["distance"]) < 1e-5 and len(plan["routes"]) == plan["vehicles"]
    bad += not ok
    print(f"{os.path.basename(f)[:-4]:8} {'ok' if ok else 'INFEASIBLE'} {total:.2f}")
print(f"{bad} infeasible")
sys.exit(1 if bad else 0)
