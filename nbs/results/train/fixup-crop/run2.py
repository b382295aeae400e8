# usage: run2.py AUG(imagenet|small) OUT args...
import sys, bnreg_nb.data as D
from torchvision.transforms import v2
aug, out, *rest = sys.argv[1:]
if aug == 'small':
    def small_tfms(train, size=224, resize=None):
        if train: return v2.Compose([v2.Resize(size, antialias=True), v2.RandomCrop(size, padding=size // 8), v2.RandomHorizontalFlip()])
        return v2.Compose([v2.Resize(size, antialias=True), v2.CenterCrop(size)])
    D.imagenet_tfms = small_tfms
from bnreg_nb.train import main
sys.exit(main(['--data', '/tmp/fx/mnist', '--image-size', '32', '--workers', '0', '--threads', '1', '--no-progress', '--out', out] + rest))
