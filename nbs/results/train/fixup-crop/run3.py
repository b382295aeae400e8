# usage: run3.py VARIANT(base|scalar1) OUT args...   (code: /work/exp = main ab3f843 + the crop change in data.py)
import sys; sys.path.insert(0, '/work/exp')
import bnreg_nb, bnreg_nb.train as T
assert bnreg_nb.__file__.startswith('/work/exp'), bnreg_nb.__file__
var, out, *rest = sys.argv[1:]
if var == 'scalar1':
    orig = T.peak_lrs
    T.peak_lrs = lambda c, ws: [orig(c, ws)[0]] * len(orig(c, ws))
sys.exit(T.main(['--data', '/tmp/fx/mnist', '--image-size', '32', '--workers', '0', '--threads', '1', '--no-progress', '--out', out] + rest))
