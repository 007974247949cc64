#!/usr/bin/python3
"""Gathers what tools/bench.sh measured into one JSON file and one Markdown table (standard library
only). Every row names the CPU model and its vector ISA, so tables from different hosts never mix.

  bench_report.py RAW_DIR OUT_DIR COMMAND    (writes OUT_DIR/bench.json and OUT_DIR/bench.md)
"""
import datetime
import glob
import json
import os
import platform
import subprocess
import sys


def cpu_model_and_isa():
    model, flags = "", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not model:
                    model = value.strip()
                elif key.strip() in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    isa = [name for name, flag in (("AVX-512", "avx512f"), ("AVX2", "avx2"), ("FMA", "fma"), ("NEON", "asimd"))
           if flag in flags]
    return model or platform.processor() or platform.machine(), "+".join(isa) or "baseline"


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def format_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return "%.3g %s" % (ns / scale, unit)
    return "%.3g ns" % ns


NS_PER = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def google_benchmark_rows(raw):
    rows = []
    for path in sorted(glob.glob(os.path.join(raw, "revive_bench_*.json"))):
        program = os.path.basename(path)[:-5]
        with open(path) as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "min":
                continue
            if b.get("error_occurred"):
                rows.append({"program": program, "benchmark": b["name"], "time": "skipped",
                             "figures": b.get("error_message", "")})
                continue
            ns = b["real_time"] * NS_PER.get(b.get("time_unit", "ns"), 1)
            counters = {k: v for k, v in b.items() if k not in (
                "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
                "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
                "aggregate_name", "aggregate_unit", "label", "error_occurred", "error_message")}
            figures = ", ".join("%s %.4g" % (k, v) for k, v in counters.items() if isinstance(v, (int, float)))
            rows.append({"program": program, "benchmark": b["name"], "time": format_time(ns),
                         "figures": (b.get("label", "") + " " + figures).strip(), "real_time_ns": ns,
                         "counters": counters})
    return rows


def main():
    raw, out, command = sys.argv[1], sys.argv[2], sys.argv[3]
    cpu, isa = cpu_model_and_isa()
    train = read_jsonl(os.path.join(raw, "train.jsonl"))
    torch = read_jsonl(os.path.join(raw, "torch.jsonl"))
    gbench = google_benchmark_rows(raw)
    machine = {"cpu": cpu, "isa": isa, "cores": os.cpu_count(), "kernel": platform.release(),
               "date": datetime.date.today().isoformat(), "commit": git_commit(), "command": command}
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump({"machine": machine, "google_benchmark": gbench, "train_throughput": train,
                   "torch_comparison": torch}, f, indent=2)
        f.write("\n")

    md = ["# revive benchmarks", "",
          "`%s` on %s (%s, %d cores), %s, commit %s." % (command, cpu, isa, os.cpu_count(), machine["date"],
                                                        machine["commit"]), ""]
    md += ["## Kernels, layers and reactivation steps (Google Benchmark)", "",
           "| program | benchmark | time | figures | CPU | ISA |", "|---|---|---|---|---|---|"]
    md += ["| %s | %s | %s | %s | %s | %s |" % (r["program"], r["benchmark"], r["time"], r["figures"], cpu, isa)
           for r in gbench]
    md += ["", "## Training throughput", "",
           "`alone`: revive_bench_train by itself; `vs PyTorch`: the runs of benchmarks/torch/compare.sh, revive "
           "and PyTorch interleaved.", "",
           "| run | framework | model | device | threads | batch | images/s | peak RSS (GiB) | CPU | ISA |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for run, rows in (("alone", train), ("vs PyTorch", torch)):
        for r in rows:
            md.append("| %s | %s | %s | %s | %s | %s | %.1f | %.2f | %s | %s |" % (
                run, r.get("framework", "revive"), r.get("model"), r.get("device", "cpu"), r.get("threads", ""),
                r.get("batch", ""), r.get("images_per_second", 0), r.get("peak_rss_gib", 0), cpu, isa))
    md += ["", "## Anchors", ""]
    copies = [r for r in gbench if r["benchmark"].startswith("BM_copy_cpu") and "counters" in r]
    for r in copies:
        md.append("- memory-bandwidth floor, %s: memcpy of the same bytes at %.3g GB/s (%s, %s)" % (
            r["benchmark"], r["counters"].get("GB/s", float("nan")), cpu, isa))
    for model in dict.fromkeys(r["model"] for r in torch):
        def median(framework, model=model):
            values = sorted(r["images_per_second"] for r in torch
                            if r["model"] == model and r["framework"].startswith(framework))
            return values[len(values) // 2] if values else float("nan")
        rv, tv = median("revive"), median("pytorch")
        md.append("- PyTorch CPU throughput, %s: %.1f images/s against revive's %.1f (ratio %.2f; medians of the "
                  "interleaved runs; %s, %s)" % (model, tv, rv, rv / tv if tv else float("nan"), cpu, isa))
    if not torch:
        md.append("- no PyTorch comparison: /usr/bin/python3 has no torch (apt-get install python3-torch)")
    with open(os.path.join(out, "bench.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("bench_report: wrote %s and %s" % (os.path.join(out, "bench.json"), os.path.join(out, "bench.md")))


if __name__ == "__main__":
    main()
