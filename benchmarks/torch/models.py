"""PyTorch definitions of revive's models (the CIFAR-style definitions revive mirrors, state-dict
names included), for reference measurements and fixtures only. Debian python3-torch."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if (stride != 1 or in_planes != planes) else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        sc = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + sc)


class ResNet(nn.Module):
    def __init__(self, n, in_ch=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        planes, layers, inp = [16, 32, 64], [], 16
        for i, p in enumerate(planes):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(inp, p, 2 if (i > 0 and j == 0) else 1))
                inp = p
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


class InvertedResidual(nn.Module):
    def __init__(self, inp, out, expansion, stride):
        super().__init__()
        planes = expansion * inp
        self.stride = stride
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, groups=planes, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.shortcut = nn.Sequential()
        if stride == 1 and inp != out:
            self.shortcut = nn.Sequential(nn.Conv2d(inp, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        o = F.relu(self.bn1(self.conv1(x)))
        o = F.relu(self.bn2(self.conv2(o)))
        o = self.bn3(self.conv3(o))
        return o + self.shortcut(x) if self.stride == 1 else o


class MobileNetV2(nn.Module):
    cfg = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, width=1.0, in_ch=1, classes=10):
        super().__init__()
        c = lambda v: max(8, int(v * width + 4) // 8 * 8) if width != 1.0 else v
        self.conv1 = nn.Conv2d(in_ch, c(32), 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c(32))
        layers, inp = [], c(32)
        for e, o, n, s in self.cfg:
            for i in range(n):
                layers.append(InvertedResidual(inp, c(o), e, s if i == 0 else 1))
                inp = c(o)
        self.layers = nn.Sequential(*layers)
        self.conv2 = nn.Conv2d(inp, 1280, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(1280)
        self.linear = nn.Linear(1280, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(self.layers(x))))
        return self.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))


class PlainCnn(nn.Module):
    """revive's `cnn` (nn/models/small_cnn.h): three conv3x3-BN-ReLU blocks of 32, 64, 128 channels,
    max pooling 2 after the first two, global average pooling, linear."""

    def __init__(self, in_ch=1, classes=10):
        super().__init__()
        inp = in_ch
        for i, p in enumerate([32, 64, 128], start=1):
            setattr(self, f"conv{i}", nn.Conv2d(inp, p, 3, 1, 1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(p))
            inp = p
        self.linear = nn.Linear(inp, classes)

    def forward(self, x):
        out = x
        for i in range(1, 4):
            out = F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(out)))
            if i < 3:
                out = F.max_pool2d(out, 2)
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))
