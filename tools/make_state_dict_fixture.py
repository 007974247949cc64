#!/usr/bin/python3
"""Writes tests/fixtures/plain_net.safetensors and tests/fixtures/plain_net.modules.txt: the state
dict of a small PyTorch CNN that is none of revive's models by name, and its named_modules() order.

Its layers are those of revive's `cnn` (nn/models/small_cnn.cpp: three 3x3 conv + BN + ReLU blocks
of 32, 64 and 128 channels with 2x2 max pools between them, a global average pool and a linear
layer), under other names: stem.conv, stem.norm, stages.1.conv, ..., head. The test
tests/tools/reactivate_model_free_test.cpp steps it with `revive reactivate` without --model and
must get what the same weights give under --model cnn.

The weights are PyTorch's initialisation with a few filters and BN channels shrunk, so that Weight
Evolution has weak filters to find, and BN running statistics that are not the defaults. Saved with
safetensors.torch.save_file, as a PyTorch user would. Run with Debian's python3-torch and the
safetensors package from PyPI (a virtual environment with --system-site-packages):

    /usr/bin/python3 -m venv --system-site-packages /tmp/venv && /tmp/venv/bin/pip install safetensors
    /tmp/venv/bin/python tools/make_state_dict_fixture.py

CI never runs this script; the files it writes are committed.
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(cout)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class PlainNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block(1, 32)
        self.stages = nn.Sequential(nn.MaxPool2d(2), Block(32, 64), nn.MaxPool2d(2), Block(64, 128))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


def main():
    torch.manual_seed(20)
    model = PlainNet()
    g = torch.Generator().manual_seed(21)
    with torch.no_grad():
        for block in (model.stem, model.stages[1], model.stages[3]):
            w = block.conv.weight
            weak = torch.randperm(w.shape[0], generator=g)[: w.shape[0] // 8]
            w[weak] *= 1e-3
            block.norm.weight.copy_(torch.rand(w.shape[0], generator=g) * 1.5)
            block.norm.bias.copy_(torch.randn(w.shape[0], generator=g) * 0.1)
            block.norm.running_mean.copy_(torch.randn(w.shape[0], generator=g) * 0.1)
            block.norm.running_var.copy_(torch.rand(w.shape[0], generator=g) + 0.5)
            block.norm.num_batches_tracked.fill_(100)
    model.eval()
    model(torch.zeros(1, 1, 28, 28))  # the network runs as defined

    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.join(here, "..", "tests", "fixtures")
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(fixtures, "plain_net.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(fixtures, "plain_net.modules.txt"), "w") as f:
        for name, _ in model.named_modules():
            f.write(name + "\n")


if __name__ == "__main__":
    main()
