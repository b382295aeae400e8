# usage: run.py STATS(imagenet|folder) OUT args...
import sys, bnreg_nb.data as D
stats, out, *rest = sys.argv[1:]
if stats == 'folder':
    D.IMAGENET_MEAN, D.IMAGENET_STD = (0.1307,)*3, (0.3081,)*3
from bnreg_nb.train import main
sys.exit(main(['--data', '/tmp/fx/mnist', '--image-size', '32', '--workers', '0', '--threads', '1', '--no-progress', '--out', out] + rest))
