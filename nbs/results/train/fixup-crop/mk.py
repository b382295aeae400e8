import torch, numpy as np
from pathlib import Path
from PIL import Image
from bnreg_nb import data as bdata
def mnist_png_tree(root, n_train=10_000, n_val=2_000, seed=0):
    for split, src, n in (('train', 'train', n_train), ('val', 'test', n_val)):
        x, y = bdata.load_idx('mnist', src, download=False)
        for i in torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n].tolist():
            d = Path(root) / split / str(int(y[i])); d.mkdir(parents=True, exist_ok=True)
            Image.fromarray(x[i].numpy()).save(d / f'{i}.png')
mnist_png_tree('/tmp/fx/mnist')
