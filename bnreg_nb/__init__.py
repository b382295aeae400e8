__version__ = "0.1.0"

# Not generated from a notebook (nbdev only keeps the version line above up to date).
# fastai.layers compiles a few functions with torch.jit.script when it is imported, and torch >= 2.10 answers each
# import with a FutureWarning that names the user's site-packages path (fastai's code, not the user's): silence that
# one message here, before any module of this package imports fastai.
import warnings as _warnings
_warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)
