"""Image-to-image translation networks (Foster 2019, ch. 5): the CycleGAN U-Net and
ResNet-9 generators, the PatchGAN discriminator, and the VGG19 feature network of neural
style transfer. The CycleGAN Step is in :mod:`gen_jax.algorithms.cyclegan`, style transfer
in :mod:`gen_jax.algorithms.style_transfer`.
"""

from gen_jax.models.translation.patchgan import PatchDiscriminator
from gen_jax.models.translation.resnet import ResidualBlock, ResNetGenerator
from gen_jax.models.translation.unet import UNetGenerator, upsample_nearest
from gen_jax.models.translation.vgg19 import (
    VGG19_LAYERS,
    VGG19Features,
    VGG19Weights,
    deprocess,
    load_vgg19,
    preprocess,
    save_vgg19_npz,
)

__all__ = [
    "VGG19_LAYERS",
    "PatchDiscriminator",
    "ResNetGenerator",
    "ResidualBlock",
    "UNetGenerator",
    "VGG19Features",
    "VGG19Weights",
    "deprocess",
    "load_vgg19",
    "preprocess",
    "save_vgg19_npz",
    "upsample_nearest",
]
