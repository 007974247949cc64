#!/usr/bin/env python3
"""Filter Grafting's training cost against N baseline runs, through the real `revive train`.

For each N it runs the baseline (`--method none`, one network) and `--method fg --models N` with
the same options, each in its own process, and prints one JSON line per N:
  epoch_s            the median epoch_seconds of the FG run (epochs after the first, which pays the
                     convolution routes' measuring, unless there is only one)
  baseline_epoch_s   the same for the baseline
  x_n_baseline       epoch_s / (N * baseline_epoch_s)        (target: within 1.05)
  graft_ms           the median reactivation_ms (the graft, inside epoch_s)
  peak_rss_mib, baseline_peak_rss_mib
  arenas_mib         (N - 1) * 12 bytes * parameters: the extra networks' parameters, gradients
                     and momentum
  x_expected_rss     peak_rss / (baseline_peak_rss + arenas)  (target: within 1.10)
Peak RSS is the process's (os.wait4); on --device cuda it does not count GPU memory.

  benchmarks/fg_train.py --build build --model resnet56 --dataset cifar10 --data-dir ~/cifar-10-batches-bin \
      --models 2 4 6 --epochs 3 --threads 16
  benchmarks/fg_train.py --model cnn --dataset synthetic --limit-train 512 --epochs 1 --models 2   # a smoke run
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(cmd):
    """Runs cmd; returns its peak RSS in MiB (exits on failure)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    err = p.stderr.read()
    p.stderr.close()
    if status != 0:
        sys.exit("fg_train.py: %s failed:\n%s" % (" ".join(cmd), err[-2000:]))
    return usage.ru_maxrss / 1024.0


def epochs(folder):
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    timed = lines[1:] if len(lines) > 1 else lines
    return timed


def median(lines, key):
    return statistics.median(l.get(key, 0.0) for l in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--model", default="resnet56")
    ap.add_argument("--dataset", default="synthetic")
    ap.add_argument("--data-dir")
    ap.add_argument("--models", type=int, nargs="+", default=[2, 4, 6])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--limit-train", type=int)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--fg", default="", help="extra FG options, e.g. '--fg-preset reference'")
    a = ap.parse_args()

    revive = os.path.join(a.build, "bin", "revive")
    common = [revive, "train", "--model", a.model, "--dataset", a.dataset, "--epochs", str(a.epochs),
              "--batch", str(a.batch), "--threads", str(a.threads), "--device", a.device, "--no-progress",
              "--limit-test", "1000", "--keep-last", "1"]
    if a.data_dir:
        common += ["--data-dir", a.data_dir]
    if a.limit_train:
        common += ["--limit-train", str(a.limit_train)]
    with tempfile.TemporaryDirectory(prefix="revive_fg_train_") as tmp:
        base_dir = os.path.join(tmp, "baseline")
        base_rss = run(common + ["--method", "none", "--out", base_dir])
        base = epochs(base_dir)
        with open(os.path.join(base_dir, "config.json")) as f:
            n_params = json.load(f)["n_parameters"]
        for n in a.models:
            fg_dir = os.path.join(tmp, "fg%d" % n)
            rss = run(common + ["--method", "fg", "--models", str(n), "--out", fg_dir] + a.fg.split())
            fg = epochs(fg_dir)
            arenas = (n - 1) * 12 * n_params / 2**20
            print(json.dumps({
                "model": a.model, "dataset": a.dataset, "device": a.device, "threads": a.threads, "models": n,
                "parameters": n_params, "epoch_s": median(fg, "epoch_seconds"),
                "baseline_epoch_s": median(base, "epoch_seconds"),
                "x_n_baseline": median(fg, "epoch_seconds") / (n * median(base, "epoch_seconds")),
                "graft_ms": median(fg, "reactivation_ms"),
                "peak_rss_mib": round(rss, 1), "baseline_peak_rss_mib": round(base_rss, 1),
                "arenas_mib": round(arenas, 1), "x_expected_rss": rss / (base_rss + arenas)}), flush=True)


if __name__ == "__main__":
    main()
