"""PyTorch twins of the book's CycleGAN networks and one CycleGAN training iteration, for
:mod:`benchmarks.cyclegan` (timing only: the layer stacks and parameter counts match
gen_jax's, the initialisation and instance norm's epsilon placement do not)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional


class SamePad(nn.Module):
    """TensorFlow's "same" padding of a stride-1 kernel 4: one row/column before, two after."""

    def forward(self, x):
        return functional.pad(x, (1, 2, 1, 2))


def _norm(channels):
    return nn.InstanceNorm2d(channels, eps=1e-3, affine=False)


class UNet(nn.Module):
    """The book's U-Net (f filters, nearest upsampling), channels first."""

    def __init__(self, filters=32, channels=3):
        super().__init__()
        widths = [filters * 2**i for i in range(4)]
        self.down = nn.ModuleList()
        previous = channels
        for width in widths:
            self.down.append(nn.Conv2d(previous, width, 4, 2, 1))
            previous = width
        self.up = nn.ModuleList()
        for skip in reversed(widths[:-1]):
            self.up.append(nn.Sequential(SamePad(), nn.Conv2d(previous, skip, 4)))
            previous = 2 * skip
        self.out = nn.Sequential(SamePad(), nn.Conv2d(previous, channels, 4))

    def forward(self, x):
        skips = []
        for conv in self.down:
            x = torch.relu(_norm(conv.out_channels)(conv(x)))
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = functional.interpolate(x, scale_factor=2, mode="nearest")
            x = torch.relu(_norm(skip.shape[1])(block(x)))
            x = torch.cat([x, skip], dim=1)
        return torch.tanh(self.out(functional.interpolate(x, scale_factor=2, mode="nearest")))


class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), _norm(width), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), _norm(width),
        )  # fmt: skip

    def forward(self, x):
        return x + self.body(x)


def resnet(filters=32, blocks=9, channels=3):
    """The ResNet-9 generator (c7s1-f, d2f, d4f, R4f x blocks, u2f, uf, c7s1-C)."""
    f = filters
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, f, 7), _norm(f), nn.ReLU()]
    for a, b in ((f, 2 * f), (2 * f, 4 * f)):
        layers += [nn.Conv2d(a, b, 3, 2, 1), _norm(b), nn.ReLU()]
    layers += [Residual(4 * f) for _ in range(blocks)]
    for a, b in ((4 * f, 2 * f), (2 * f, f)):
        layers += [nn.ConvTranspose2d(a, b, 3, 2, 1, output_padding=1), _norm(b), nn.ReLU()]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(f, channels, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patch_discriminator(filters=64, channels=3):
    """PatchGAN: (d, s2), (2d, s2, IN), (4d, s2, IN), (8d, s1, IN), conv to 1."""
    layers, previous = [], channels
    for index, (multiplier, stride) in enumerate(((1, 2), (2, 2), (4, 2), (8, 1))):
        width = filters * multiplier
        if stride == 2:
            layers.append(nn.Conv2d(previous, width, 4, 2, 1))
        else:
            layers += [SamePad(), nn.Conv2d(previous, width, 4)]
        if index:
            layers.append(_norm(width))
        layers.append(nn.LeakyReLU(0.2))
        previous = width
    layers += [SamePad(), nn.Conv2d(previous, 1, 4)]
    return nn.Sequential(*layers)


class TorchCycleGANStep:
    """One iteration: both discriminators on real and this step's fakes, then both
    generators on validity + 10 cycle + identity_weight identity (Adam 2e-4, beta_1 0.5)."""

    def __init__(self, make_generator, make_discriminator, real_a, real_b, identity_weight):
        self.g_ab, self.g_ba = make_generator(), make_generator()
        self.d_a, self.d_b = make_discriminator(), make_discriminator()
        gens = [*self.g_ab.parameters(), *self.g_ba.parameters()]
        discs = [*self.d_a.parameters(), *self.d_b.parameters()]
        self.opt_g = torch.optim.Adam(gens, 2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.opt_d = torch.optim.Adam(discs, 2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.real_a, self.real_b, self.identity_weight = real_a, real_b, identity_weight

    def parameter_count(self):
        return sum(
            p.numel() for m in (self.g_ab, self.g_ba, self.d_a, self.d_b) for p in m.parameters()
        )

    def __call__(self):
        a, b = self.real_a, self.real_b
        with torch.no_grad():
            fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss = 0.5 * (((self.d_a(a) - 1) ** 2).mean() + (self.d_a(fake_a) ** 2).mean()) + 0.5 * (
            ((self.d_b(b) - 1) ** 2).mean() + (self.d_b(fake_b) ** 2).mean()
        )
        d_loss.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        validity = ((self.d_b(fake_b) - 1) ** 2).mean() + ((self.d_a(fake_a) - 1) ** 2).mean()
        cycle = (self.g_ba(fake_b) - a).abs().mean() + (self.g_ab(fake_a) - b).abs().mean()
        identity = (self.g_ba(a) - a).abs().mean() + (self.g_ab(b) - b).abs().mean()
        g_loss = validity + 10 * cycle + self.identity_weight * identity
        g_loss.backward()
        self.opt_g.step()
        return g_loss


def vgg19_features(widths=(64, 128, 256, 512, 512), last=(5, 2)):
    """torchvision's VGG19 ``features`` up to block ``last[0]``'s conv ``last[1]``."""
    layers, previous = [], 3
    for block, (width, convs) in enumerate(zip(widths, (2, 2, 4, 4, 4), strict=True), start=1):
        for conv in range(1, convs + 1):
            layers += [nn.Conv2d(previous, width, 3, padding=1), nn.ReLU()]
            previous = width
            if (block, conv) == last:
                return nn.Sequential(*layers)
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)
