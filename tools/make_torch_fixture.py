#!/usr/bin/python3
"""Writes tests/fixtures/tiny_cnn_sgd.safetensors: a tiny CNN's weights, a batch, and what PyTorch
computes from them (logits, loss, gradients, and weights, BN statistics and losses after 3 SGD steps).

The C++ test tests/nn/torch_crosscheck_test.cpp builds the same network with revive, loads the
weights by their state-dict names and must reproduce every tensor. Run with Debian's python3-torch:

    /usr/bin/python3 tools/make_torch_fixture.py

CI never runs this script; the fixture it writes is committed.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyCnn(nn.Module):
    """conv-bn-relu-maxpool, strided conv with bias, depthwise conv with a residual add, relu6,
    option-A shortcut, global average pool, linear: one of every op the models use."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn3 = nn.BatchNorm2d(8)
        self.conv4 = nn.Conv2d(8, 16, 1, stride=2, bias=False)
        self.bn4 = nn.BatchNorm2d(16)
        self.linear = nn.Linear(16, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu6(self.bn3(self.conv3(x)) + x)
        shortcut = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 4, 4), "constant", 0)
        x = F.relu(self.bn4(self.conv4(x)) + shortcut)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.linear(x)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = TinyCnn()
    # Non-trivial BN affine parameters so their gradients and updates are exercised.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    x = torch.randn(8, 1, 12, 12)
    y = torch.randint(0, 5, (8,))

    out = {}
    for k, v in model.state_dict().items():
        out["init." + k] = v.clone()
    out["input"] = x
    out["labels"] = y

    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    model.train()
    losses = []
    for step in range(3):
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        if step == 0:
            out["step0.logits"] = logits.detach().clone()
            for k, p in model.named_parameters():
                out["step0.grad." + k] = p.grad.clone()
        losses.append(loss.item())
        opt.step()
    out["losses"] = torch.tensor(losses)
    for k, v in model.state_dict().items():
        out["step3." + k] = v.clone()
    model.eval()
    with torch.no_grad():
        out["eval.logits"] = model(x)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tiny_cnn_sgd.safetensors")
    write_safetensors(path, out)
    print(f"wrote {os.path.normpath(path)}: {len(out)} tensors, losses {losses}", file=sys.stderr)


if __name__ == "__main__":
    main()
