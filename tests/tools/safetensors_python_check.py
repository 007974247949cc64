"""Run by tests/tools/safetensors_python.sh on a finished `revive train` run of the small CNN on the
synthetic set (1 epoch, batch 32). Checks, with the safetensors package:
  - model.safetensors: PyTorch state-dict names, dtypes and shapes of revive's `cnn` (written out
    below from its definition, and loaded strictly into the same network in PyTorch when torch is
    importable), the metadata, num_batches_tracked = the steps taken, and the parameter count that
    config.json reports;
  - the checkpoint: the same tensors as model.safetensors, and momentum for every parameter;
  - values: `revive eval` of model.safetensors reproduces the last metrics line; a copy written
    back by Python evaluates identically; and a state dict edited in Python (the classifier set to
    constant logits) evaluates to the loss and accuracy computed here in closed form.
"""
import argparse
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

# revive's `cnn` (nn/models/small_cnn.h) on 1-channel inputs with 4 classes (the synthetic set).
CHANNELS = {"1": 32, "2": 64, "3": 128}
IN_CHANNELS = {"1": 1, "2": 32, "3": 64}
N_CLASSES = 4


def expected_state_dict():
    """name -> (dtype, shape), PyTorch's names for the network."""
    out = {}
    for i, c in CHANNELS.items():
        out[f"conv{i}.weight"] = ("float32", (c, IN_CHANNELS[i], 3, 3))
        for k in ("weight", "bias", "running_mean", "running_var"):
            out[f"bn{i}.{k}"] = ("float32", (c,))
        out[f"bn{i}.num_batches_tracked"] = ("int64", ())
    out["linear.weight"] = ("float32", (N_CLASSES, CHANNELS["3"]))
    out["linear.bias"] = ("float32", (N_CLASSES,))
    return out


def is_buffer(name):
    return name.rsplit(".", 1)[1] in ("running_mean", "running_var", "num_batches_tracked")


def check(cond, what):
    if not cond:
        sys.exit(f"FAILED: {what}")


def revive_eval(revive, weights):
    out = subprocess.run([revive, "eval", "--model", "cnn", "--dataset", "synthetic", "--threads", "2",
                          "--weights", str(weights)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def check_with_torch(tensors):
    """PyTorch's own strict load: the names and shapes of its state dict, exactly."""
    try:
        import torch
        import torch.nn as nn
        from safetensors.torch import load_file as torch_load_file
    except ImportError:
        print("torch is not importable: checked with numpy only")
        return

    class SmallCnn(nn.Module):
        def __init__(self):
            super().__init__()
            for i, c in CHANNELS.items():
                setattr(self, f"conv{i}", nn.Conv2d(IN_CHANNELS[i], c, 3, padding=1, bias=False))
                setattr(self, f"bn{i}", nn.BatchNorm2d(c))
            self.linear = nn.Linear(CHANNELS["3"], N_CLASSES)

    net = SmallCnn()
    net.load_state_dict(torch_load_file(tensors), strict=True)
    check(int(net.bn1.num_batches_tracked) == 16, "torch reads num_batches_tracked")
    print(f"torch {torch.__version__}: strict load_state_dict passed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revive", required=True)
    ap.add_argument("--run", required=True, type=pathlib.Path)
    args = ap.parse_args()
    run = args.run
    model_path = run / "model.safetensors"

    model = load_file(model_path)
    expected = expected_state_dict()
    check(sorted(model) == sorted(expected), f"names {sorted(model)} != {sorted(expected)}")
    for name, (dtype, shape) in expected.items():
        check(model[name].dtype == np.dtype(dtype) and model[name].shape == shape,
              f"{name}: {model[name].dtype} {model[name].shape}, expected {dtype} {shape}")
        check(np.all(np.isfinite(model[name])), f"{name} is finite")
    with safe_open(model_path, framework="numpy") as f:
        check(f.metadata() == {"format": "pt", "model": "cnn", "dataset": "synthetic"}, f"metadata {f.metadata()}")
    # 512 synthetic training images in batches of 32: 16 steps, each a BN forward in training mode.
    for i in CHANNELS:
        check(int(model[f"bn{i}.num_batches_tracked"]) == 16, f"bn{i}.num_batches_tracked")
        check(np.all(model[f"bn{i}.running_var"] > 0), f"bn{i}.running_var > 0")
    config = json.loads((run / "config.json").read_text())
    n_params = sum(t.size for n, t in model.items() if not is_buffer(n))
    check(n_params == config["n_parameters"], f"{n_params} parameters, config.json says {config['n_parameters']}")
    check_with_torch(model_path)

    sidecars = sorted((run / "checkpoints").glob("ckpt-*.json"))
    check(len(sidecars) > 0, "a checkpoint exists")
    sidecar = json.loads(sidecars[-1].read_text())
    ckpt = load_file(run / "checkpoints" / sidecar["weights"])
    check(sorted(ckpt) == sorted(model), "the checkpoint holds the model's tensors")
    for name in model:
        check(np.array_equal(ckpt[name], model[name]), f"checkpoint {name} equals the final model's")
    momentum = load_file(run / "checkpoints" / sidecar["momentum"])
    check(sorted(momentum) == sorted(n for n in model if not is_buffer(n)), "momentum for every parameter")
    for name, m in momentum.items():
        check(m.dtype == np.float32 and m.shape == model[name].shape, f"momentum {name} {m.dtype} {m.shape}")
    check(sidecar["n_parameters"] == n_params, "the sidecar's parameter count")

    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line]
    original = revive_eval(args.revive, model_path)
    check(abs(original["test_loss"] - metrics[-1]["test_loss"]) <= 1e-6 * max(1.0, metrics[-1]["test_loss"]) and
          original["test_acc"] == metrics[-1]["test_acc"], f"eval {original} vs the last metrics line {metrics[-1]}")

    # Written back by Python: the very same values, so the very same evaluation.
    copy = run / "python_copy.safetensors"
    save_file(model, str(copy), metadata={"format": "pt"})
    again = revive_eval(args.revive, copy)
    check((again["test_loss"], again["test_acc"]) == (original["test_loss"], original["test_acc"]),
          f"the Python copy evaluates as {again}, the original as {original}")

    # Constant logits: every sample gets logits `bias` whatever its pixels, so the mean loss and the
    # accuracy follow from the labels alone (they cycle 0, 1, ..., K-1 in the synthetic set).
    edited = dict(model)
    edited["linear.weight"] = np.zeros_like(model["linear.weight"])
    bias = np.array([0.5, -1.0, 3.0, 0.0], dtype=np.float32)
    edited["linear.bias"] = bias
    path = run / "python_edited.safetensors"
    save_file(edited, str(path))
    got = revive_eval(args.revive, path)
    n = got["n_samples"]
    counts = [n // N_CLASSES + (c < n % N_CLASSES) for c in range(N_CLASSES)]
    log_z = math.log(sum(math.exp(b) for b in bias.astype(np.float64)))
    loss = sum(counts[c] * (log_z - float(bias[c])) for c in range(N_CLASSES)) / n
    acc = counts[int(np.argmax(bias))] / n
    check(abs(got["test_loss"] - loss) <= 1e-5 and got["test_acc"] == acc,
          f"edited weights evaluate as {got}; expected loss {loss:.7f}, accuracy {acc}")
    print(f"ok: {len(model)} tensors; eval {original['test_loss']:.6f}/{original['test_acc']:.4f}; "
          f"edited weights {got['test_loss']:.7f} (expected {loss:.7f})")


if __name__ == "__main__":
    main()
