#!/usr/bin/python3
"""PyTorch's training throughput on the same models, batch and input as revive's
benchmarks/train_throughput (batch 128, 1x28x28 random data in memory, SGD momentum 0.9 wd 5e-4).

    /usr/bin/python3 benchmarks/torch/throughput.py --threads 2 --model resnet20 --seconds 20

Prints one JSON line per model: images/s over the timed steps, the peak RSS of the process and the
host (CPU model, and the instruction set PyTorch's kernels dispatch to where this PyTorch says).
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def build(name):
    if name.startswith("resnet"):
        return models.ResNet((int(name[6:]) - 2) // 6)
    if name == "mobilenetv2":
        return models.MobileNetV2(1.0)
    if name == "mobilenetv2-0.5":
        return models.MobileNetV2(0.5)
    if name == "cnn":
        return models.PlainCnn()
    raise SystemExit(f"unknown model {name}")


def host():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
    return f"{model} ({capability().lower()})" if capability else model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet20")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build(a.model)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < a.seconds:
        step()
        n += 1
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(json.dumps({"framework": "pytorch " + torch.__version__, "host": host(), "model": a.model, "threads": a.threads,
                      "batch": a.batch, "steps": n, "images_per_second": round(n * a.batch / dt, 1),
                      "peak_rss_gib": round(rss, 3)}))


if __name__ == "__main__":
    main()
