"""Checks `deno task bench --peers --out DIR`: runs each Python peer script alone (no Deno process,
no engine device), with the same arguments, and compares every peer row of DIR/bench.csv with it.
Prints one line per row (bench, alone, ratio); exits 1 when a row differs from its alone figure by
more than 15%, 2 on bad arguments. On a loaded machine both figures move: rerun before believing it.
Usage: python3 bench/peers_alone.py DIR/bench.csv WORKLOAD WIDTHS BATCH SECONDS   (e.g. W 32-64-5 32 1.5)"""
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = {"torch-cpu": "peers_torch.py", "torch-cpu-autograd": "peers_torch.py", "numpy-cpu": "peers_numpy.py"}
WARMUP = "0.5"  # WARMUP_SECONDS in bench/workloads.ts
TOLERANCE = 0.15


def alone(script, widths, batch, seconds, sizes):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, script), widths, batch, seconds, WARMUP, *sizes],
                         env=env, capture_output=True, text=True, check=True).stdout
    return {(r["peer"], r["population"]): r["model_steps_per_s"] for r in map(json.loads, out.split("\n")[:-1])}


def main():
    if len(sys.argv) != 6:
        print(__doc__.strip().split("\n")[-1], file=sys.stderr)
        sys.exit(2)
    path, workload, widths, batch, seconds = sys.argv[1:]
    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["workload"] == workload and r["backend"] in SCRIPTS]
    except (OSError, KeyError) as e:
        print(f"peers_alone: {path}: not a bench.csv with peer rows ({e})", file=sys.stderr)
        sys.exit(2)
    bad = 0
    for script in sorted(set(SCRIPTS[r["backend"]] for r in rows)):
        mine = [r for r in rows if SCRIPTS[r["backend"]] == script]
        got = alone(script, widths, batch, seconds, sorted({r["population"] for r in mine}, key=int))
        for r in mine:
            bench, solo = float(r["model_steps_per_s"]), got[(r["backend"], int(r["population"]))]
            ok = abs(bench / solo - 1) <= TOLERANCE
            bad += not ok
            print(f"{r['backend']} P={r['population']}: bench {bench:.0f}, alone {solo:.0f}, ratio {bench / solo:.2f} {'ok' if ok else 'OUTSIDE 15%'}")
    print(f"{len(rows) - bad} of {len(rows)} peer rows within 15% of the script run alone")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
