#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target to fuzz/corpus/<target>/: a few tiny valid files and
a few invalid ones near the edges the readers check. Deterministic; re-run after a format change.
The regression-* seeds reproduce bugs fixed in the readers."""
import gzip
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def idx(dims, payload):
    return struct.pack(">I", 0x800 + len(dims)) + b"".join(struct.pack(">I", n) for n in dims) + bytes(payload)


def gz(data):
    return gzip.compress(data, mtime=0)


def idx_seeds():
    # The first byte picks ndim (byte % 4 + 1), as in idx_fuzz.cpp.
    images = idx([2, 3, 2], range(12))
    write("idx", "images-3d", b"\x02" + images)
    write("idx", "images-3d-gz", b"\x02" + gz(images))
    write("idx", "labels-1d", b"\x00" + idx([4], [1, 0, 9, 3]))
    write("idx", "labels-1d-gz-two-members", b"\x00" + gz(idx([2], [5, 6])[:6]) + gz(idx([2], [5, 6])[6:]))
    write("idx", "empty-4d", b"\x03" + idx([0, 7, 7, 1], []))
    write("idx", "wrong-magic", b"\x00" + idx([2, 2], [1, 2, 3, 4]))
    write("idx", "truncated-data", b"\x02" + images[:-3])
    write("idx", "truncated-gz", b"\x02" + gz(images)[:-9])
    write("idx", "extra-bytes", b"\x00" + idx([1], [1]) + b"\x07")
    # Found by fuzz_idx: no bytes, but the non-zero sizes multiply far beyond the limit.
    write("idx", "regression-zero-then-huge-dims", bytes.fromhex("03" "00000804" "00000000" "00000007"
                                                                 "00000007" "40000001"))
    write("idx", "absurd-dims", b"\x02" + idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], [1]))


def cifar_record(labels, seed):
    return bytes(labels) + bytes((seed * 7 + i * 13) % 256 for i in range(3072))


def cifar_seeds():
    write("cifar10", "two-records", cifar_record([3], 1) + cifar_record([9], 2))
    write("cifar10", "label-out-of-range", cifar_record([10], 3))
    write("cifar10", "truncated", cifar_record([0], 4)[:-1])
    write("cifar10", "empty", b"")
    write("cifar100", "two-records", cifar_record([19, 99], 1) + cifar_record([0, 42], 2))
    write("cifar100", "coarse-out-of-range", cifar_record([20, 5], 3))
    write("cifar100", "fine-out-of-range", cifar_record([2, 100], 4))
    write("cifar100", "cifar10-sized", cifar_record([1], 5))


def safetensors(header, data=b"", pad=True):
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    w = struct.pack("<6f", *[0.5 * i for i in range(6)])
    n = struct.pack("<2q", -1, 7)
    write("safetensors", "two-tensors", safetensors(
        {"__metadata__": {"format": "pt"},
         "conv1.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
         "bn1.num_batches_tracked": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}}, w + n))
    write("safetensors", "scalar-i32-and-empty", safetensors(
        {"s": {"dtype": "I32", "shape": [], "data_offsets": [0, 4]},
         "e": {"dtype": "F32", "shape": [0, 5], "data_offsets": [4, 4]}}, struct.pack("<i", 42)))
    write("safetensors", "overlap", safetensors(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
    write("safetensors", "offsets-past-end", safetensors(
        {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, bytes(8)))
    write("safetensors", "bf16", safetensors({"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, bytes(2)))
    write("safetensors", "huge-shape", safetensors(
        {"a": {"dtype": "F32", "shape": [0, 9223372036854775808], "data_offsets": [0, 0]}}))
    # Zero elements, but the other sizes' product overflows the strides every reader computes.
    write("safetensors", "regression-zero-then-huge-dims", safetensors(
        {"a": {"dtype": "F32", "shape": [0, 4294967296, 4294967296], "data_offsets": [0, 0]}}))
    write("safetensors", "header-length-too-big", struct.pack("<Q", 1 << 40) + b"{}")
    write("safetensors", "not-json", struct.pack("<Q", 4) + b"{{{{")


def position(**over):
    p = {"epoch": 2, "step": 9, "loss_sum": 3.25, "correct": 40, "seen": 64, "train_seconds": 1.5}
    p.update(over)
    return p


def sidecar(**over):
    s = {"format": "revive-checkpoint", "version": 1, "position": position(),
         "weights": "ckpt-e0002-s000009.safetensors", "momentum": "ckpt-e0002-s000009.momentum.safetensors",
         "momentum_initialised": True, "n_parameters": 1234,
         "rng": {"seed": 7, "generator": "philox4x32-10", "streams": "..."}, "reactivation": None}
    s.update(over)
    return json.dumps(s, indent=2)


def sidecar_seeds():
    write("checkpoint_sidecar", "valid", sidecar())
    write("checkpoint_sidecar", "valid-no-momentum", sidecar(momentum="", momentum_initialised=False,
                                                             reactivation={"pairs": [[1, 2]], "r": 0.1}))
    write("checkpoint_sidecar", "path-escape", sidecar(weights="../../etc/passwd"))
    write("checkpoint_sidecar", "float-epoch", sidecar(position=position(epoch=1e300)))
    write("checkpoint_sidecar", "correct-above-seen", sidecar(position=position(correct=65)))
    write("checkpoint_sidecar", "wrong-version", sidecar(version=2))
    write("checkpoint_sidecar", "truncated", sidecar()[:100])
    write("checkpoint_sidecar", "two-networks", sidecar(other_networks=[
        {"position": position(), "weights": "ckpt-e0002-s000009.net2.safetensors",
         "momentum": "", "momentum_initialised": False}]))


def config(**over):
    c = {"augment": "auto", "batch": 32, "checkpoint_every": 1, "data_dir": "", "dataset": "synthetic",
         "device": "cpu", "epochs": 3, "eta_min": 0.0, "eval_batch": 500, "gamma": 0.1, "keep_last": 2,
         "limit_test": 0, "limit_train": 0, "lr": 0.05, "method": "none", "milestones": [60, 120],
         "model": "cnn", "models": 1, "momentum": 0.9, "n_parameters": 1234, "nesterov": False, "per_iteration": False,
         "revive_version": "0.1.0", "schedule": "cosine", "schedule_description": "cosine", "seed": 0,
         "step_size": 0, "threads": 2, "threads_used": 2, "warmup_epochs": 0, "weight_decay": 0.0005,
         "width": 1.0}
    c.update(over)
    return json.dumps(c, indent=2)


def config_seeds():
    write("run_config", "valid", config())
    write("run_config", "we", config(method="we", we_preset="reference", we_ablations=["we-rm", "fixed-alpha=0.3"],
                                     we_set=["stage_divisors=1,2.5,5", "crossover=reference_code"]))
    write("run_config", "zero-batch", config(batch=0))
    write("run_config", "huge-epochs", config(epochs=1e300))
    write("run_config", "negative-seed", config(seed=-1))
    write("run_config", "milestone-string", config(milestones=["60"]))
    write("run_config", "not-an-object", "[1, 2, 3]")


if __name__ == "__main__":
    idx_seeds()
    cifar_seeds()
    safetensors_seeds()
    sidecar_seeds()
    config_seeds()
