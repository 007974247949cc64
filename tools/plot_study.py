#!/usr/bin/python3
"""Pictures of a revive study, drawn from the study folder alone (study.json and each run's
metrics.jsonl), with Debian's python3-matplotlib:

  accuracy.png       test accuracy per epoch per variant: the mean over seeds, a band of +- one std
  we_rate.png        Weight Evolution's selection rate r(e) per epoch and pool (WE variants only)
  dead_filters.png   the fraction of conv filters whose average L1 norm lies below each threshold
                     from 1e-4 to 1, per variant, after the last epoch (Filter Grafting's Figure 6)
  layer_l1_hist.png  the histogram of the conv layers' mean average L1 norm after the last epoch
                     (Weight Evolution's Figure 2)
  overhead.png       time per epoch and reactivation time per epoch, per variant

  /usr/bin/python3 tools/plot_study.py STUDY_DIR [--out DIR]   (default DIR: STUDY_DIR/plots)
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

THRESHOLDS = ["1e-4", "1e-3", "1e-2", "1e-1", "1"]
POOLS = [("conv", "conv filters", "-"), ("bn_gamma", "BN gamma", "--"), ("bn_beta", "BN beta", ":")]


def read_metrics(path):
    """The finished epochs' lines of a metrics.jsonl (stops at the first damaged line)."""
    lines = []
    if not os.path.exists(path):
        return lines
    with open(path) as f:
        for text in f:
            text = text.strip()
            if not text:
                continue
            try:
                line = json.loads(text)
            except ValueError:
                break
            if not isinstance(line, dict) or not isinstance(line.get("epoch"), int):
                break
            if not line.get("interrupted"):
                lines.append(line)
    return lines


def load_study(study_dir):
    with open(os.path.join(study_dir, "study.json")) as f:
        spec = json.load(f)
    variants = []
    for v in spec["variants"]:
        runs = []
        for seed in spec["seeds"]:
            run_dir = os.path.join(study_dir, v["name"], "seed%d" % seed)
            lines = read_metrics(os.path.join(run_dir, "metrics.jsonl"))
            finished = os.path.exists(os.path.join(run_dir, "summary.json"))
            if lines:
                runs.append({"seed": seed, "lines": lines, "finished": finished})
        variants.append({"name": v["name"], "method": v["options"].get("method", "none"), "runs": runs})
    return spec, variants


def mean_std(values):
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in values) / (n - 1)) if n > 1 else 0.0
    return mean, std


def per_epoch(runs, value):
    """Epochs and the mean and std of value(line) over the runs that reached each epoch."""
    epochs, means, stds = [], [], []
    for e in range(max(len(r["lines"]) for r in runs)):
        values = [value(r["lines"][e]) for r in runs if len(r["lines"]) > e]
        if not values or any(v is None for v in values):
            continue
        m, s = mean_std(values)
        epochs.append(e + 1)
        means.append(m)
        stds.append(s)
    return epochs, means, stds


def seeds_label(v):
    running = sum(1 for r in v["runs"] if not r["finished"])
    done = len(v["runs"]) - running
    return "%s (%d seeds%s)" % (v["name"], done, " + %d unfinished" % running if running else "")


def styles(variants):
    """Per variant: colour, marker and line style, all different, so that curves that coincide (a
    method that changed little) still show each variant."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers, lines = "osD^vP", ["-", "--", "-.", ":"]
    return {v["name"]: {"color": cycle[i % len(cycle)], "marker": markers[i % len(markers)],
                        "linestyle": lines[i % len(lines)], "markerfacecolor": "none", "markeredgewidth": 1.5}
            for i, v in enumerate(variants)}


def finish(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print("plot_study: wrote", path)


def title_of(spec):
    o = spec["options"]
    return "%s on %s" % (o.get("model", "cnn"), o.get("dataset", "fashion-mnist"))


def plot_accuracy(spec, variants, style, out):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for v in variants:
        if not v["runs"]:
            continue
        epochs, means, stds = per_epoch(v["runs"], lambda l: 100 * l["test_acc"])
        st = style[v["name"]]
        c = st["color"]
        ax.plot(epochs, means, label=seeds_label(v), markersize=7, **st)
        if len(v["runs"]) > 1:
            ax.fill_between(epochs, [m - s for m, s in zip(means, stds)], [m + s for m, s in zip(means, stds)],
                            color=c, alpha=0.2, linewidth=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Test accuracy, %s: mean over seeds, band ± 1 std" % title_of(spec))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend()
    finish(fig, os.path.join(out, "accuracy.png"))


def plot_we_rate(spec, variants, style, out):
    we = [v for v in variants if v["runs"] and "pools" in v["runs"][0]["lines"][0].get("reactivation", {})]
    if not we:
        print("plot_study: no Weight Evolution variant: we_rate.png not drawn")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for v in we:
        for pool, label, line in POOLS:
            def rate(line, pool=pool):
                p = line.get("reactivation", {}).get("pools", {}).get(pool)
                return 100 * p["rate"] if p and p.get("enabled", True) else None
            epochs, means, _ = per_epoch(v["runs"], rate)
            if epochs:
                ax.plot(epochs, means, linestyle=line, marker=style[v["name"]]["marker"], markerfacecolor="none",
                        color=style[v["name"]]["color"], label="%s: %s" % (v["name"], label))
    ax.set_xlabel("epoch")
    ax.set_ylabel("selection rate r(e) (% of the pool)")
    ax.set_title("Weight Evolution's selection rate per epoch, %s" % title_of(spec))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    finish(fig, os.path.join(out, "we_rate.png"))


def last_censuses(v):
    return [r["lines"][-1]["filters"] for r in v["runs"] if r["finished"] and "filters" in r["lines"][-1]]


def plot_dead_filters(spec, variants, style, out):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = [float(t) for t in THRESHOLDS]
    drawn = False
    for v in variants:
        censuses = last_censuses(v)
        if not censuses:
            continue
        stats = [mean_std([100 * c["fraction_below"][t] for c in censuses]) for t in THRESHOLDS]
        ax.errorbar(x, [m for m, _ in stats], yerr=[s for _, s in stats] if len(censuses) > 1 else None,
                    capsize=3, markersize=7, label="%s (%d seeds)" % (v["name"], len(censuses)), **style[v["name"]])
        drawn = True
    if not drawn:
        plt.close(fig)
        print("plot_study: no finished run with a filter census: dead_filters.png not drawn")
        return
    ax.set_xscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels(THRESHOLDS)
    ax.set_xlabel("threshold on a filter's average L1 norm")
    ax.set_ylabel("conv filters below the threshold (%)")
    ax.set_ylim(-2, 102)
    ax.set_title("Dead conv filters after the last epoch, %s" % title_of(spec))
    ax.grid(alpha=0.3)
    ax.legend()
    finish(fig, os.path.join(out, "dead_filters.png"))


def plot_layer_histogram(spec, variants, style, out):
    layers = {v["name"]: [m for c in last_censuses(v) for m in c["layer_mean_avg_l1"]] for v in variants}
    values = [m for ms in layers.values() for m in ms if m > 0]
    if not values:
        print("plot_study: no finished run with a filter census: layer_l1_hist.png not drawn")
        return
    lo, hi = math.log10(min(values)), math.log10(max(values))
    if hi - lo < 0.5:
        lo, hi = lo - 0.25, hi + 0.25
    bins = [10 ** (lo + (hi - lo) * i / 20) for i in range(21)]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for v in variants:
        ms = [m for m in layers[v["name"]] if m > 0]
        if ms:
            n_runs = len(last_censuses(v))
            ax.hist(ms, bins=bins, histtype="step", linewidth=2, color=style[v["name"]]["color"],
                    linestyle=style[v["name"]]["linestyle"],
                    label="%s (%d layers x %d seeds)" % (v["name"], len(ms) // n_runs, n_runs))
    ax.set_xscale("log")
    ticks = [float("%.1g" % 10 ** (lo + (hi - lo) * i / 5)) for i in range(6)]
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter(["%g" % t for t in ticks]))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("layer's mean average L1 norm of its conv filters")
    ax.set_ylabel("conv layers (all seeds)")
    ax.set_title("Per-layer mean average L1 after the last epoch, %s" % title_of(spec))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    finish(fig, os.path.join(out, "layer_l1_hist.png"))


def plot_overhead(spec, variants, style, out):
    rows = []
    for v in variants:
        lines = [l for r in v["runs"] for l in r["lines"]]
        if lines:
            seconds = sum(l["epoch_seconds"] for l in lines) / len(lines)
            react = sum(l.get("reactivation_ms", 0.0) for l in lines) / len(lines)
            rows.append((v["name"], seconds, react))
    if not rows:
        print("plot_study: no epoch logged: overhead.png not drawn")
        return
    base = next((r for r in rows if r[0] == spec["baseline"]), None)
    names = [r[0] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.6 * len(rows) + 2.2))
    left.barh(names, [r[1] for r in rows], color=[style[n]["color"] for n in names])
    for i, (name, seconds, _) in enumerate(rows):
        note = "%.2f s" % seconds
        if base and name != base[0] and base[1] > 0:
            note += "  (%+.1f%% vs %s)" % (100 * (seconds / base[1] - 1), base[0])
        left.text(seconds, i, " " + note, va="center", fontsize="small")
    left.set_xlabel("time per epoch (s), every step of the epoch")
    left.set_xlim(0, 1.6 * max(r[1] for r in rows))
    left.invert_yaxis()
    right.barh(names, [r[2] for r in rows], color=[style[n]["color"] for n in names])
    for i, (_, seconds, react) in enumerate(rows):
        right.text(react, i, " %.3g ms (%.2g%% of the epoch)" % (react, 100 * react / 1e3 / seconds if seconds else 0),
                   va="center", fontsize="small")
    right.set_xlabel("reactivation time per epoch (ms)")
    right.set_xlim(0, 1.8 * max(max(r[2] for r in rows), 1e-3))
    right.invert_yaxis()
    right.set_yticklabels([])
    fig.suptitle("Cost per epoch, %s (means over every logged epoch)" % title_of(spec))
    finish(fig, os.path.join(out, "overhead.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study_dir")
    parser.add_argument("--out", help="folder for the pictures (default: STUDY_DIR/plots)")
    args = parser.parse_args()
    out = args.out or os.path.join(args.study_dir, "plots")
    os.makedirs(out, exist_ok=True)
    spec, variants = load_study(args.study_dir)
    if not any(v["runs"] for v in variants):
        sys.exit("plot_study: no run of %s has logged an epoch yet" % args.study_dir)
    style = styles(variants)
    plot_accuracy(spec, variants, style, out)
    plot_we_rate(spec, variants, style, out)
    plot_dead_filters(spec, variants, style, out)
    plot_layer_histogram(spec, variants, style, out)
    plot_overhead(spec, variants, style, out)


if __name__ == "__main__":
    main()
