#!/usr/bin/env python3
"""Runs `hopfield-bench throughput` and the numpy baseline back to back and prints ratios.

  python3 crates/hopfield-memory/benches/compare_numpy.py \
      --bench target/release/hopfield-bench \
      --python /path/to/venv/bin/python --numpy-script ../shared/bench/numpy_recall.py

Both sides print one JSON line per configuration (best of --repeats by CPU time). Each
configuration runs ours and numpy's alternately --rounds times and keeps each side's best, so a
burst of load from other processes hurts both alike. The ratio is ours / numpy per CPU-second
(recall) or numpy / ours in CPU time (learning: > 1 means we are faster).
"""
import argparse
import json
import subprocess
import sys

RULES_NUMPY = {"hebbian": "hebb", "projection": "pinv", "projection_zero_diagonal": "pinv0",
               "storkey": "storkey"}


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def best(results, key):
    return min(results, key=lambda r: r[key])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="target/release/hopfield-bench")
    ap.add_argument("--python", default="python3")
    ap.add_argument("--numpy-script", default="../shared/bench/numpy_recall.py")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--what", default="all", choices=["all", "recall", "learn", "threads"])
    a = ap.parse_args()

    rows = []
    if a.what in ("all", "recall"):
        for rule in ("hebbian", "projection"):
            for mode in ("sync", "async"):
                for m in (10, 50, 100):
                    common = ["--n", "784", "--m", str(m), "--probes", "1000", "--noise", "0.1",
                              "--mode", mode, "--seed", "1", "--repeats", str(a.repeats)]
                    ours, theirs = [], []
                    for _ in range(a.rounds):
                        ours.append(run([a.bench, "throughput", "recall", "--rule", rule,
                                         "--threads", "1"] + common))
                        theirs.append(run([a.python, a.numpy_script, "recall", "--rule",
                                           RULES_NUMPY[rule], "--threads", "1"] + common))
                    o, t = best(ours, "cpu_s"), best(theirs, "cpu_s")
                    rows.append(("recall", rule, mode, m, o["probes_per_cpu_s"],
                                 t["probes_per_cpu_s"],
                                 o["probes_per_cpu_s"] / t["probes_per_cpu_s"],
                                 o["exact_fraction"], t["exact_fraction"]))
                    print(json.dumps({"ours": o, "numpy": t}), file=sys.stderr)
    if a.what in ("all", "threads"):
        for mode in ("sync", "async"):
            common = ["throughput", "recall", "--n", "784", "--m", "50", "--probes", "1000",
                      "--mode", mode, "--repeats", str(a.repeats)]
            one = best([run([a.bench] + common + ["--threads", "1"]) for _ in range(a.rounds)],
                       "wall_s")
            two = best([run([a.bench] + common + ["--threads", "2"]) for _ in range(a.rounds)],
                       "wall_s")
            rows.append(("threads", "hebbian", mode, 50, two["probes_per_wall_s"],
                         one["probes_per_wall_s"],
                         two["probes_per_wall_s"] / one["probes_per_wall_s"],
                         two["exact_fraction"], one["exact_fraction"]))
    if a.what in ("all", "learn"):
        for rule in ("hebbian", "projection", "storkey"):
            ours, theirs = [], []
            for _ in range(a.rounds):
                ours.append(run([a.bench, "throughput", "learn", "--rule", rule, "--n", "784",
                                 "--m", "50", "--seed", "1", "--repeats", str(a.repeats)]))
                theirs.append(run([a.python, a.numpy_script, "learn", "--rule",
                                   RULES_NUMPY[rule], "--n", "784", "--m", "50",
                                   "--repeats", str(a.repeats)]))
            o, t = best(ours, "cpu_s"), best(theirs, "cpu_s")
            # The default form: low rank for hebbian and projection, dense otherwise.
            label = f"{rule} ({o.get('form', 'dense')})"
            rows.append(("learn", label, "-", 50, o["cpu_s"] * 1e3, t["cpu_s"] * 1e3,
                         t["cpu_s"] / o["cpu_s"], o.get("fmin"), None))
    print("| task | rule | mode | M | ours | numpy (or 1 thread) | ratio | exact ours | exact numpy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        kind = r[0]
        unit = "ms" if kind == "learn" else "/s"
        fmt = "{:.2f} ms" if kind == "learn" else "{:,.0f}"
        print(f"| {kind} | {r[1]} | {r[2]} | {r[3]} | {fmt.format(r[4])} | {fmt.format(r[5])} | "
              f"{r[6]:.2f}× | {r[7]} | {r[8] if r[8] is not None else '-'} |".replace(unit, unit))


if __name__ == "__main__":
    main()
