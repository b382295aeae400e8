#!/usr/bin/env python
"""Build the documentation site into `_docs/` offline, from the notebooks in `nbs/`, without Quarto.

    bash bootstrap.sh python tools/build_site.py        # or .venv/bin/python tools/build_site.py

With Quarto installed, `nbdev-docs` builds the same pages from the same notebooks; this builder exists because
Quarto cannot be installed on every machine. What it does, in order:

1. checks `nbs/sidebar.yml` against the notebooks (a listed page that does not exist is an error, a notebook
   that is not listed a warning; `--sync-sidebar` rewrites it from `SIDEBAR_PLAN` below);
2. runs nbdev's own documentation processors on every notebook (`nbdev.processors.FilterDefaults`: front matter,
   a `show_doc` entry after every exported function and class, removal of `#| hide` and export cells, links to
   the API, ...) as `nbdev-docs` does before Quarto. One processor is swapped: nbdev's `exec_show_docs` re-runs,
   in a fresh kernel, every exported cell and every cell that imports something, while here `show_doc` runs on
   the objects of the exported library and every other cell keeps its saved outputs (no notebook is executed).
   `--exact` uses nbdev's processor unchanged (slower; it runs those cells from the repository root, as
   `nbdev-docs` does, so it also shows what would break a Quarto build);
3. renders each processed notebook the way Quarto does: its cell options (`echo`, `output`, `include`,
   `code-fold`, `warning`, `fig-cap`, ...), markdown with nbconvert's mistune renderer, code with Pygments,
   math typeset by KaTeX at build time (Node.js; KaTeX comes from npm once, into a cache), images written
   next to the pages; so that a chapter reads at a glance, what a reader skims folds by rule: a code cell that is
   mostly checks (`is_test`), the rest of a printed output longer than `FOLD_OUTPUT_LINES`, and a section headed
   "Tests" (`fold_test_sections`);
4. writes every page with the sidebar of `nbs/sidebar.yml`, a table of contents, and links between pages.

`python tools/check_site.py` then checks the result in a browser; `bash tools/check_site.sh` does both.
"""
from __future__ import annotations
import argparse, ast, base64, html, importlib, json, os, re, shutil, subprocess, sys, tarfile, time, warnings
from pathlib import Path
from urllib.parse import urlsplit, unquote

import yaml
from bs4 import BeautifulSoup, NavigableString
from bnreg_nb.core import Flag, add_flags   # the package's one command-line style

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(__file__).resolve().parent / 'site'    # template and stylesheet of the offline renderer
KATEX_VERSION = '0.19.1'                             # npm package `katex`, fetched once into the cache
TOC_DEPTH = 3                                        # Quarto's default

# The order of the site. `--sync-sidebar` writes nbs/sidebar.yml from it, listing only notebooks that exist;
# notebooks in nbs/reproductions/ go to "Reproductions". A notebook that is in no section is reported.
# An entry is a pattern for the notebook's path without suffix, or (pattern, text shown in the sidebar).
SIDEBAR_PLAN = {
    'Start here':       [('index', 'Overview'), 'reproductions/paper', 'reproductions/commands'],   # what a reader comes for, first
    'Mechanisms':       ['01_norms', '02_models', '03_fixup', '03a_normfree', '04_penalties', '05_noise', '06_diagnostics'],
    'Training':         ['07_data', '07b_runfolder', '08_callbacks', '09_distributed', '09a_config', '10_train', '11_evaluate'],
    'Runs and studies': ['11a_runs', '12_experiments', '13_study', '13a_studies', '13b_claims', '13c_studyplots', '14_bench'],
    'Reproductions':    ['reproductions/*'],
    'API':              [('16_api', 'API reference')],
    'Development':      ['00_core', '00a_testing', '00b_plots', '00c_stats', '15_docs', ('changelog', 'Changelog')],
}

def say(*a): print('[site]', *a, file=sys.stderr, flush=True)
def warn(*a): print('[site] WARNING:', *a, file=sys.stderr, flush=True)
class SiteError(Exception): pass

# ---------------------------------------------------------------------------------------------------- pages
PAGE_EXTS = ('.ipynb', '.qmd', '.md')

def find_pages(nbs:Path) -> list[Path]:
    "Every page Quarto would render: notebooks (and .qmd/.md) under `nbs`, skipping names starting with _ or ."
    res = []
    for p in sorted(nbs.rglob('*')):
        rel = p.relative_to(nbs)
        if p.suffix not in PAGE_EXTS or not p.is_file() or any(s[0] in '_.' for s in rel.parts): continue
        if '.ipynb_checkpoints' in rel.parts: continue
        res.append(rel)
    return res

def html_name(rel:Path) -> Path:
    "The page nbdev/Quarto writes for notebook `rel` (numeric prefix dropped, as `nbdev.config.nbpath2html`)."
    from nbdev.config import nbpath2html
    return nbpath2html(rel)

# ---------------------------------------------------------------------------------------------------- sidebar
def _sidebar_entries(contents, section=None):
    "Flatten sidebar.yml contents into (section, href, text) triples."
    for o in contents or []:
        if isinstance(o, str): yield section, o, None
        elif isinstance(o, dict) and 'section' in o:
            if o.get('href'): yield o['section'], o['href'], o['section']
            yield from _sidebar_entries(o.get('contents'), o['section'])
        elif isinstance(o, dict) and 'href' in o: yield section, o['href'], o.get('text')
        elif isinstance(o, dict) and 'contents' in o: yield from _sidebar_entries(o['contents'], section)

def read_sidebar(nbs:Path):
    p = nbs / 'sidebar.yml'
    if not p.exists(): raise SiteError(f'{p} is missing: run `python tools/build_site.py --sync-sidebar`')
    d = yaml.safe_load(p.read_text()) or {}
    try: return d['website']['sidebar']['contents']
    except (KeyError, TypeError): raise SiteError(f'{p} has no website.sidebar.contents')

def check_sidebar(nbs:Path, pages:list[Path]) -> tuple[list[str], list[str]]:
    "Sidebar entries whose file is missing, and pages that no entry lists."
    listed = [href for _, href, _ in _sidebar_entries(read_sidebar(nbs)) if not re.match(r'\w+:', href)]
    missing = [h for h in listed if not (nbs / h).exists()]
    listed_set = {Path(h) for h in listed}
    unlisted = [str(p) for p in pages if p not in listed_set]
    return missing, unlisted

def plan_sidebar(pages:list[Path]) -> tuple[dict, list[str]]:
    "sidebar.yml contents from `SIDEBAR_PLAN` for the pages that exist, and the pages the plan does not place."
    from fnmatch import fnmatch
    placed, contents = set(), []
    for section, pats in SIDEBAR_PLAN.items():
        items = []
        for pat in pats:
            pat, text = pat if isinstance(pat, tuple) else (pat, None)
            for p in pages:
                stem = str(p.with_suffix(''))
                if p not in placed and fnmatch(stem, pat):
                    items.append({'text': text, 'href': str(p)} if text else str(p)); placed.add(p)
        if items: contents.append({'section': section, 'contents': items})
    return {'website': {'sidebar': {'contents': contents}}}, [str(p) for p in pages if p not in placed]

def in_menu(page:str) -> bool:
    "Whether `page` belongs in the menu: a recorded run's README (results/) is linked from the chapter that reads it instead."
    return not page.startswith('results/')

def sync_sidebar(nbs:Path, pages:list[Path]):
    d, unplaced = plan_sidebar(pages)
    unplaced = [u for u in unplaced if in_menu(u)]
    if unplaced:
        d['website']['sidebar']['contents'].append({'section': 'More', 'contents': unplaced})
        warn(f'not in SIDEBAR_PLAN (tools/build_site.py), listed under "More": {", ".join(unplaced)}')
    from nbdev.quarto import IndentDumper
    txt = yaml.dump(d, Dumper=IndentDumper, sort_keys=False)
    (nbs / 'sidebar.yml').write_text(txt)
    say(f'wrote {nbs/"sidebar.yml"}')

# ---------------------------------------------------------------------------------------------------- API entries
# nbdev's show_doc, corrected where it misleads a reader: its source link ends in `#LNone` (nbdev looks the line up
# under the fully qualified name in a table keyed by bare names), a parameter without annotation shows the type of
# its default (`x=None` reads `x:NoneType=None`), a fastai callback lists the 24 event hooks fastai accepts as
# keyword arguments, a class without a docstring shows the one it inherits (`Exception`'s "Common base class for
# all non-exit exceptions."), and a class is introduced by `def`.

def source_line(obj, root:Path=None) -> tuple[str, int]|None:
    "The file of `obj`'s definition relative to the repository `root`, and the line it starts on; None if unknown."
    import inspect
    root = Path(root or ROOT).resolve()
    obj = inspect.unwrap(obj.fget if isinstance(obj, property) else obj)
    try:
        f = Path(inspect.getsourcefile(obj)).resolve()
        _, line = inspect.getsourcelines(obj)
    except (TypeError, OSError): return None
    try: return str(f.relative_to(root)), max(line, 1)
    except ValueError: return None

def own_docstring(obj) -> str:
    "The docstring `obj` has itself: for a class, its own or its own `__init__`'s, never an inherited one."
    import inspect
    if inspect.isclass(obj):
        d = vars(obj).get('__doc__')
        if not d and '__init__' in vars(obj): d = getattr(vars(obj)['__init__'], '__doc__', None)
        return inspect.cleandoc(d) if isinstance(d, str) and d.strip() else ''
    return inspect.getdoc(obj) or ''

def fastai_events() -> set[str]:
    try: from fastai.callback.core import _events
    except Exception: return set()
    return set(_events)

def real_params(obj, dm:dict) -> dict:
    "docments' table `dm` of `obj` with only the annotations written in the code, and without fastai's event hooks."
    import inspect
    own_init = inspect.isclass(obj) and '__init__' in vars(obj)            # a class's signature may be its parent's
    try: sig = inspect.signature(obj.__init__ if own_init else obj)
    except (TypeError, ValueError): return dm
    events = fastai_events() if inspect.isclass(obj) and any(c.__name__ == 'Callback' and c.__module__.startswith('fastai')
                                                             for c in obj.__mro__) else set()
    res = {}
    for k, v in dm.items():
        if k == 'return':
            res[k] = {**v, 'anno': v['anno'] if sig.return_annotation is not inspect.Signature.empty else inspect.Parameter.empty}
            continue
        p = sig.parameters.get(k)
        if p is not None and k in events and p.kind is p.KEYWORD_ONLY and p.default is None: continue
        res[k] = {**v, 'anno': inspect.Parameter.empty} if p is not None and p.annotation is p.empty else v
    return res

def make_show_doc(git_url:str|None, branch:str='main'):
    "A `show_doc` for the docs build: nbdev's entry with the corrections above."
    import inspect
    from nbdev.showdoc import BasicMarkdownRenderer
    from fastcore.docments import DocmentText, _docstring, _ital_first
    from nbdev.showdoc import _ext_link

    class Renderer(BasicMarkdownRenderer):
        def __init__(self, sym, name=None, title_level=3, maxline=110):
            super().__init__(sym, name=name, title_level=title_level, maxline=maxline)
            if isinstance(self.dm, DocmentText): self.dm.dm = real_params(self.sym, self.dm.dm)
            self.docs = _docstring(self.sym, self.dm.dm if isinstance(self.dm, DocmentText) else {}) if own_docstring(self.sym) else ''

        def _repr_markdown_(self):
            doc = '---\n\n'
            loc = source_line(self.sym)
            if loc and git_url: doc += _ext_link(f'{git_url}/blob/{branch}/{loc[0]}#L{loc[1]}', 'source', 'style="float:right; font-size:smaller"') + '\n\n'
            doc += f'{"#" * self.title_level} {self.nm}\n\n'
            sig = str(self.dm)
            if inspect.isclass(self.sym) and sig.startswith('def '): sig = 'class ' + sig[4:]
            doc += f'```python\n{sig}\n```'
            if self.docs: doc += f'\n\n{_ital_first(self.docs)}'
            return doc

    def show_doc(sym, renderer=None, name:str|None=None, title_level:int=3):
        "Show signature and docstring for `sym`"
        return Renderer(sym, name=name, title_level=title_level)
    return show_doc

# ---------------------------------------------------------------------------------------------------- nbdev processing
def _libmods(nb, lib:str) -> list[str]:
    "Modules a notebook exports to (its `default_exp` and any `#| export mod`)."
    mods = []
    for c in nb.cells:
        d = getattr(c, 'directives_', None) or {}
        for k in ('default_exp', 'export', 'exports', 'exporti'):
            v = d.get(k)
            v = ' '.join(v) if isinstance(v, list) else (v or '')
            if v.split() and (k == 'default_exp' or not v.startswith('-')): mods.append(v.split()[0])
    return [f'{lib}.{m}' for m in dict.fromkeys(mods)]

def make_filter(exact:bool=False):
    "nbdev's FilterDefaults, with `exec_show_docs` run against the exported library unless `exact`."
    from nbdev.processors import FilterDefaults, exec_show_docs, _show_docs, _do_eval, Processor
    from nbdev.config import get_config
    from fastcore.nbio import nb_lang
    if exact: return FilterDefaults()
    cfg = get_config()
    lib = cfg.lib_path.name

    class show_docs_from_library(Processor):
        "`show_doc` for every documented name, evaluated on the exported library; other cells keep saved outputs"
        def begin(self):
            self.ns, self.rerun = None, []
            exec_doc = any('exec_doc' in (getattr(c, 'directives_', None) or {}) for c in self.nb.cells)
            if not (getattr(self.nb, 'has_docs_', None) or exec_doc) or nb_lang(self.nb) != 'python': return
            self.ns, self.show_doc = {}, make_show_doc(cfg.git_url, cfg.branch)
            for m in _libmods(self.nb, lib):
                try: mod = importlib.import_module(m)
                except Exception as e: raise SiteError(f'{self.nb.path_}: cannot import {m} ({e}); run nbdev-export') from e
                self.ns.update({k: v for k, v in vars(mod).items() if not k.startswith('__')})
            self.ns['show_doc'] = self.show_doc

        def __call__(self, cell):
            if self.ns is None or cell.cell_type != 'code' or not _do_eval(cell): return
            trees = cell.parsed_() or []
            imports = [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
            if imports: self._exec(ast.Module(body=imports, type_ignores=[]), cell); self.ns['show_doc'] = self.show_doc
            sds = _show_docs(trees)
            if sds and len(sds) == len(trees): cell.outputs = [self._show(t, cell) for t in sds]
            elif 'exec_doc' in (cell.directives_ or {}):                  # run again: its output is made from the library
                last = trees[-1] if trees and isinstance(trees[-1], ast.Expr) else None
                self._exec(ast.Module(body=trees[:-1] if last else trees, type_ignores=[]), cell)
                if last: cell.outputs = [self._show(last, cell)]
            elif not any(k in (cell.directives_ or {}) for k in ('export', 'exports', 'exporti')) and len(imports) < len(trees):
                self.rerun.append(cell.idx_)

        def _exec(self, mod, cell):
            try: exec(compile(mod, f'<{Path(self.nb.path_).name} cell {cell.idx_}>', 'exec'), self.ns)
            except Exception as e: raise SiteError(f'{self.nb.path_}: cell {cell.idx_} failed in the docs build: {e!r}\n{cell.source}') from e

        def _show(self, tree, cell):
            try: res = eval(compile(ast.Expression(tree.value), '<show_doc>', 'eval'), self.ns)
            except Exception as e: raise SiteError(f'{self.nb.path_}: {ast.unparse(tree)} failed: {e!r}') from e
            data = {'text/plain': repr(res)}
            if hasattr(res, '_repr_markdown_'): data['text/markdown'] = res._repr_markdown_()
            return {'output_type': 'execute_result', 'execution_count': None, 'metadata': {}, 'data': data}

        def end(self):
            if self.rerun:
                self.nb.rerun_cells_ = self.rerun

    class Filter(FilterDefaults):
        def base_procs(self): return [show_docs_from_library if p is exec_show_docs else p for p in super().base_procs()]
    return Filter()

def process(path:Path, filt) -> 'AttrDict':
    "Read notebook `path` and run nbdev's doc processors on it."
    from fastcore.nbio import read_nb
    nb = read_nb(path)
    filt(nb)
    return nb

# ---------------------------------------------------------------------------------------------------- markdown
from pygments import highlight
from pygments.lexers import get_lexer_by_name, PythonLexer
from pygments.formatters import HtmlFormatter
from pygments.util import ClassNotFound

SHELLS = ('bash', 'sh', 'shell', 'console')   # their blocks wrap (site.css) and must show whole (check_site's command-cut): a flag must not break at its own hyphens
_re_flag = re.compile(r'(?<![\w-])(--?[A-Za-z][\w-]*)')

def keep_flags_whole(body:str) -> str:
    "Highlighted shell code with each flag (`--init`, `-m`) in a span that does not break, so that a wrapped line never shows `--` alone."
    return ''.join(part if part.startswith('<') else _re_flag.sub(r'<span class="flag">\1</span>', part)
                   for part in re.split(r'(<[^>]*>)', body))

from pygments.lexers.shell import BashLexer, BashSessionLexer
from pygments.lexer import inherit
from pygments.token import Number, Text

class ShellLexer(BashLexer):
    "Bash, with a number one token (`0.2`, `1e-4`, not `0` and `.2`), a word that starts with a digit (`2x`) text."
    tokens = {'data': [(r'(?<![\w.-])\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])', Number), (r'\d[\w.+-]*', Text), inherit]}

class ShellSessionLexer(BashSessionLexer): _innerLexerCls = ShellLexer

def _lexer(lang:str):
    if lang in ('bash', 'sh', 'shell'): return ShellLexer()
    if lang == 'console': return ShellSessionLexer()
    return get_lexer_by_name(lang or 'text')

def hanging_lines(body:str) -> str:
    """Each line of highlighted code in a `span.ln`, its indentation in `--i` (site.css wraps it under a hanging indent
    of its own indentation + 4); the newlines stay between the spans, so copied text is the code as written."""
    def one(line):
        text = html.unescape(re.sub(r'<[^>]*>', '', line))
        n = len(text) - len(text.lstrip(' '))
        return f'<span class="ln" style="--i:{n}">{line}</span>' if line else line
    return '\n'.join(one(l) for l in body.split('\n'))

def code_html(code:str, lang:str='python') -> str:
    "A Quarto-style highlighted code block; its lines wrap under a hanging indent (`hanging_lines`), none hides."
    try: lexer = _lexer(lang)
    except ClassNotFound: lexer, lang = get_lexer_by_name('text'), 'text'
    body = highlight(code, lexer, HtmlFormatter(nowrap=True)).rstrip('\n')
    if lang in SHELLS: body = keep_flags_whole(body)
    pre = f'<pre class="sourceCode {html.escape(lang or "")}"><code>{hanging_lines(body)}</code></pre>'
    return f'<div class="sourceCode">{pre}</div>'

_re_pandoc_attr_link = re.compile(r'(?<!!)\[([^\]\n]*)\]\(([^)\s]+)\)\{([^}\n]*)\}')
_re_fence_div = re.compile(r'^(:{3,})\s*(\{[^}]*\}|[\w-]+)?\s*$')

def _attrs(s:str) -> dict:
    "Pandoc attributes `{#id .cls key=val}` as an HTML attribute dict."
    s = s.strip().strip('{}')
    res, cls = {}, []
    for m in re.finditer(r'([\w-]+)=("[^"]*"|\'[^\']*\'|\S+)|#([\w:.-]+)|\.([\w-]+)|([\w-]+)', s):
        if m.group(1): res[m.group(1)] = m.group(2).strip('"\'')
        elif m.group(3): res['id'] = m.group(3)
        elif m.group(4): cls.append(m.group(4))
        elif m.group(5): cls.append(m.group(5))
    if cls: res['class'] = ' '.join(cls)
    return res

def _attr_str(d:dict) -> str: return ''.join(f' {k}="{html.escape(v, quote=True)}"' for k, v in d.items())

def _pandoc_links(src:str) -> str:
    "`[text](url){attrs}` (pandoc, used by nbdev's show_doc) as an HTML link."
    return _re_pandoc_attr_link.sub(lambda m: f'<a href="{html.escape(m.group(2), quote=True)}"{_attr_str(_attrs(m.group(3)))}>{m.group(1)}</a>', src)

def _markdown_parser():
    from nbconvert.filters.markdown_mistune import MarkdownWithMath, IPythonRenderer
    class Renderer(IPythonRenderer):
        def heading(self, text, level, **attrs):
            m = re.search(r'\s*\{([^{}]*)\}\s*$', text)
            a = {}
            if m and re.fullmatch(r'\s*([#.][\w:.-]+\s*|[\w-]+=\S+\s*)+', m.group(1)): a, text = _attrs(m.group(1)), text[:m.start()]
            return f'<h{level}{_attr_str(a)}>{text}</h{level}>\n'
        def block_code(self, code, info=None):
            lang = (info or '').strip().split(None, 1)[0].strip('{}') if info else ''
            return code_html(code, lang or 'text')
        def inline_math(self, body): return f'<span class="math inline">{html.escape(body, quote=False)}</span>'
        def block_math(self, body): return f'<span class="math display">{html.escape(body, quote=False)}</span>'
        def latex_environment(self, name, body):
            tex = '\\begin{' + name + '}' + body + '\\end{' + name + '}'
            return f'<span class="math display">{html.escape(tex, quote=False)}</span>'
    return MarkdownWithMath, Renderer

def markdown(src:str, attachments=None) -> str:
    "Markdown (with math, tables, pandoc fenced divs and link attributes) as HTML."
    MD, R = _markdown_parser()
    def md(s): return MD(renderer=R(escape=False, anchor_link_text='', attachments=attachments)).render(_pandoc_links(s)) if s.strip() else ''
    # pandoc fenced divs (`::: {.callout-note}` ... `:::`), possibly nested
    out, buf, stack = [], [], []
    for line in src.split('\n'):
        m = _re_fence_div.match(line)
        if m and (m.group(2) or stack):
            out.append(md('\n'.join(buf))); buf = []
            if m.group(2):
                a = _attrs(m.group(2)) if m.group(2).startswith('{') else {'class': m.group(2)}
                title = None
                if any(c.startswith('callout') for c in a.get('class', '').split()):
                    a['class'] += ' callout'
                    title = a.pop('title', None)                             # Quarto shows it as the callout's header
                head = f'<div class="callout-title">{inline_markdown(title)}</div>' if title else ''
                out.append(f'<div{_attr_str(a)}>{head}')
                stack.append(1)
            else: out.append('</div>'); stack.pop()
        else: buf.append(line)
    out.append(md('\n'.join(buf)))
    out += ['</div>'] * len(stack)
    return '\n'.join(out)

_re_include = re.compile(r'\{\{<\s*include\s+(\S+)\s*>\}\}')

def include_shortcodes(txt:str, src_dir:Path, title:str|None=None) -> str:
    """Quarto's `{{< include file >}}` replaced by the file's text (relative to the page). An included file that
    opens with the page's own title as `# Title` (CHANGELOG.md does, for GitHub) loses that line: the page shows it."""
    def sub(m):
        f = (src_dir / m.group(1)).resolve()
        if not f.is_file(): raise SiteError(f'{{{{< include {m.group(1)} >}}}}: {f} does not exist')
        t = f.read_text()
        if title: t = re.sub(rf'\A\s*#\s+{re.escape(str(title))}\s*\n', '', t)
        return t
    return _re_include.sub(sub, txt)

def inline_markdown(src:str) -> str:
    "Markdown of one paragraph (a title, a description) without its <p>."
    return markdown(src).strip().removeprefix('<p>').removesuffix('</p>')

# ---------------------------------------------------------------------------------------------------- cells
_re_qopt = re.compile(r'^#\|\s*([\w.-]+)\s*:\s*(.*?)\s*$')

def cell_options(src:str) -> tuple[dict, str]:
    "Quarto's `#| key: value` options at the top of a code cell, and the code without them."
    lines, opts = src.split('\n'), {}
    i = 0
    while i < len(lines) and (m := _re_qopt.match(lines[i])):
        try: opts[m.group(1)] = yaml.safe_load(m.group(2))
        except yaml.YAMLError: opts[m.group(1)] = m.group(2)
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def _text(v) -> str: return ''.join(v) if isinstance(v, list) else (v or '')

def _ansi(s:str) -> str:
    from nbconvert.filters.ansi import ansi2html
    return ansi2html(s)

# What folds by rule, so that a chapter reads at a glance (issue 33): a code cell that is mostly checks (its own
# `#| code-fold` option wins), and the rest of a printed output longer than FOLD_OUTPUT_LINES lines.
FOLD_TESTS = 0.4              # a cell whose lines are at least this share of checks is a test: it folds, closed
FOLD_OUTPUT_LINES = 12        # a printed output longer than this shows its first FOLD_OUTPUT_KEEP lines, the rest folds
FOLD_OUTPUT_KEEP = 8

_re_temp = re.compile(r'\b(TMP|tempfile|mkdtemp|TemporaryDirectory)\b')

def _is_check(node, helpers=()) -> bool:
    """An `assert`, a fastcore.test call (`test_eq`, `test_fail`, `test_close`, ...), a call of one of the cell's own
    check `helpers`, or a `with ExceptionExpected(...)`."""
    if isinstance(node, ast.Assert): return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, 'attr', '')
        return name.startswith('test_') or name in helpers
    if isinstance(node, ast.With):
        return any(isinstance(w.context_expr, ast.Call) and 'Expected' in ast.unparse(w.context_expr.func)
                   for w in node.items)
    return False

def check_share(src:str, helpers:set|None=None) -> tuple[int, int]:
    """Lines of checks (`_is_check`, also inside loops, `if`, `with` and `try`; functions that are mostly checks, with
    their calls) and lines of code of a code cell's source (comments and blank lines not counted); (0, 0) if it is not
    Python. `helpers`: the check functions of the cells above, to which this cell's own are added."""
    code = '\n'.join('pass' if l.lstrip().startswith(('!', '%')) else l for l in src.split('\n'))
    try: tree = ast.parse(code)
    except SyntaxError: return 0, 0
    real = {i + 1 for i, l in enumerate(code.split('\n')) if l.strip() and not l.strip().startswith('#')}
    def lines(body, helpers):
        res = set()
        for n in body:
            if _is_check(n, helpers): res.update(range(n.lineno, n.end_lineno + 1))
            elif isinstance(n, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
                handlers = [h.body for h in getattr(n, 'handlers', [])]
                for b in (n.body, getattr(n, 'orelse', []), getattr(n, 'finalbody', []), *handlers):
                    res |= lines(b, helpers)
        return res
    helpers = set() if helpers is None else helpers
    for n in tree.body:                                                    # a helper: a function that is mostly checks
        if isinstance(n, ast.FunctionDef):
            own = set(range(n.body[0].lineno, n.end_lineno + 1)) & real
            if own and len(lines(n.body, helpers) & own) * 2 >= len(own): helpers.add(n.name)
    checks = lines(tree.body, helpers)
    for n in tree.body:
        if isinstance(n, ast.FunctionDef) and n.name in helpers: checks.update(range(n.lineno, n.end_lineno + 1))
    return len(checks & real), len(real)

def is_test(src:str, helpers:set|None=None) -> bool:
    """Whether a code cell is a test, which the site folds: at least `FOLD_TESTS` of its lines are checks, or it checks
    something on inputs it makes in a temporary folder. `helpers`: as `check_share`."""
    k, n = check_share(src, helpers)
    return n > 0 and (k >= FOLD_TESTS * n or k > 0 and bool(_re_temp.search(src)))

def fold_output(txt:str) -> str:
    "The HTML of a printed output: whole if short, else its first lines and the rest in a closed <details>."
    lines = txt.split('\n')
    if len(lines) <= FOLD_OUTPUT_LINES: return f'<pre><code>{_ansi(txt)}</code></pre>'
    head, rest = '\n'.join(lines[:FOLD_OUTPUT_KEEP]), '\n'.join(lines[FOLD_OUTPUT_KEEP:])
    return (f'<pre class="output-head"><code>{_ansi(head)}</code></pre><details class="output-fold"><summary>'
            f'{len(lines) - FOLD_OUTPUT_KEEP} more lines</summary><pre><code>{_ansi(rest)}</code></pre></details>')

IMG_MIMES = {'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif'}
DISPLAY_ORDER = ['text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif', 'text/markdown', 'text/latex', 'text/plain']

class PageRenderer:
    "Renders one processed notebook into the HTML of its content, the way Quarto lays out cells."
    def __init__(self, nb, page:Path, out:Path):
        self.nb, self.page, self.out = nb, page, out          # page: output path relative to the site root
        self.files_dir = page.with_name(page.stem + '_files') / 'figure-html'
        self.fm, self.parts = {}, []
        self.helpers = set()                                  # the notebook's check functions so far (`check_share`)

    def render(self) -> str:
        for i, c in enumerate(self.nb.cells):
            src = _text(c.get('source'))
            if c.cell_type == 'raw':
                if i == 0 and src.lstrip().startswith('---'): self.fm = yaml.safe_load(src.strip().strip('-')) or {}
                elif (c.get('metadata', {}).get('format') or c.get('metadata', {}).get('raw_mimetype')) == 'text/html': self.parts.append(src)
            elif c.cell_type == 'markdown': self.parts.append(f'<div class="cell-markdown">{markdown(src, c.get("attachments"))}</div>')
            elif c.cell_type == 'code': self.parts.append(self.code_cell(c, i))
        return '\n'.join(p for p in self.parts if p)

    def code_cell(self, c, i:int) -> str:
        opts, src = cell_options(_text(c.source))
        if opts.get('include') is False: return ''
        lang = c.get('metadata', {}).get('language', 'python')
        res = []
        fold, summary = opts.get('code-fold'), opts.get('code-summary', 'Code')
        test = lang == 'python' and is_test(src, self.helpers) and fold is None   # a test folds by rule, with its text
        if test: fold, summary = True, f'The test ({len(src.strip().splitlines())} lines)'
        if opts.get('echo', True) is not False and src.strip():
            code = code_html(src, lang).replace('class="sourceCode"', 'class="sourceCode cell-code"', 1)
            if fold in (True, 'true', 'show'):
                opened = ' open' if fold == 'show' else ''
                summ = html.escape(str(summary))
                code = f'<details class="code-fold"{opened}><summary>{summ}</summary>{code}</details>'
            res.append(code)
        if opts.get('output', True) is not False:
            outs = self.outputs(c, i, opts)
            if test and res and res[0].startswith('<details'):     # printed text goes into the fold, figures stay
                printed = [o for o in outs if o.startswith('<div class="cell-output cell-output-std') or
                           o.startswith('<div class="cell-output cell-output-display"><pre')]
                res[0] = res[0].removesuffix('</details>') + ''.join(printed) + '</details>'
                outs = [o for o in outs if o not in printed]
            res += outs
        if not res: return ''
        cls = ' '.join(['cell'] + (['doc-entry'] if re.fullmatch(r'show_doc\(.*\)', src.strip(), re.S) else [])
                       + [str(x) for x in (opts.get('classes') or '').split()])
        return f'<div class="{cls}">' + '\n'.join(res) + '</div>'

    def outputs(self, c, i, opts) -> list[str]:
        res, outs = [], list(c.get('outputs', []))
        merged = []                                                        # consecutive streams, as Quarto shows them
        for o in outs:
            if o.get('output_type') == 'stream' and merged and merged[-1].get('output_type') == 'stream' and merged[-1]['name'] == o['name']:
                merged[-1] = {**merged[-1], 'text': _text(merged[-1]['text']) + _text(o['text'])}
            else: merged.append(o)
        asis = opts.get('output') == 'asis'
        for j, o in enumerate(merged):
            t = o.get('output_type')
            if t == 'stream':
                if o['name'] == 'stderr' and opts.get('warning') is False: continue
                txt = _text(o['text']).rstrip('\n')
                if txt: res.append(f'<div class="cell-output cell-output-{o["name"]}">{fold_output(txt)}</div>')
            elif t == 'error':
                if opts.get('error') is False: continue
                tb = '\n'.join(o.get('traceback') or [f'{o.get("ename")}: {o.get("evalue")}'])
                res.append(f'<div class="cell-output cell-output-error"><pre><code>{_ansi(tb)}</code></pre></div>')
            elif t in ('execute_result', 'display_data'):
                r = self.display(o, i, j, opts, asis)
                if r: res.append(r)
        return res

    def display(self, o, i, j, opts, asis) -> str:
        data, meta = o.get('data', {}), o.get('metadata', {})
        mime = next((m for m in DISPLAY_ORDER if m in data), None)
        if mime is None: return ''
        v = _text(data[mime])
        if mime == 'text/markdown':
            body = markdown(v)
            return body if asis else f'<div class="cell-output cell-output-display cell-output-markdown">{body}</div>'
        if asis and mime == 'text/html': return v
        if mime == 'text/html': body = v
        elif mime == 'image/svg+xml': body = self.image(v.encode(), 'svg', i, j, meta.get(mime, {}), opts)
        elif mime in IMG_MIMES: body = self.image(base64.b64decode(v), IMG_MIMES[mime], i, j, meta.get(mime, {}), opts)
        elif mime == 'text/latex':
            tex = v.strip()
            tex = re.sub(r'^\$\$(.*)\$\$$', r'\1', tex, flags=re.S) if tex.startswith('$$') else re.sub(r'^\$(.*)\$$', r'\1', tex, flags=re.S)
            body = f'<span class="math display">{html.escape(tex, quote=False)}</span>'
        else: return f'<div class="cell-output cell-output-display">{fold_output(v)}</div>'
        return f'<div class="cell-output cell-output-display">{body}</div>'

    def image(self, raw:bytes, ext:str, i, j, meta, opts) -> str:
        name = f'cell-{i}-output-{j + 1}.{ext}'
        dest = self.out / self.files_dir / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(raw)
        src = os.path.relpath(self.files_dir / name, self.page.parent)
        attrs = {'src': src, 'class': 'figure-img'}
        if meta.get('width'): attrs['width'] = str(meta['width'])
        if ext == 'png': attrs.update(figure_attrs(raw))
        if opts.get('fig-alt') or opts.get('fig-cap'): attrs['alt'] = str(opts.get('fig-alt') or opts.get('fig-cap'))
        img = f'<img{_attr_str(attrs)}>'
        cap = opts.get('fig-cap')
        if isinstance(cap, list): cap = cap[min(j, len(cap) - 1)] if cap else None
        return f'<figure class="figure">{img}<figcaption>{markdown(str(cap))}</figcaption></figure>' if cap else img

# ---------------------------------------------------------------------------------------------------- figures
def png_info(raw:bytes) -> tuple[int, dict]:
    "A PNG's width in pixels and its text chunks (what matplotlib writes for `metadata=`), read by Pillow; (0, {}) if not a PNG."
    import io
    from PIL import Image, UnidentifiedImageError
    try: im = Image.open(io.BytesIO(raw))
    except UnidentifiedImageError: return 0, {}
    if im.format != 'PNG': return 0, {}
    return im.width, dict(im.text)   # `.text` also reads the chunks that follow the image data

def figure_attrs(raw:bytes) -> dict:
    """HTML attributes of a figure PNG, from the records `bnreg_nb.plots` writes into it: its text alternative (`alt`),
    the width it is shown at (its natural width over its `bnreg:scale`; CSS shrinks it to fit a narrower screen), and
    its font records as data- attributes."""
    width, ch = png_info(raw)
    res = {'alt': ch['bnreg:alt']} if ch.get('bnreg:alt') else {}
    scale = float(ch.get('bnreg:scale') or 1)
    if width and scale != 1: res['width'] = str(round(width / scale))
    if ch.get('bnreg:font-pt') and ch.get('bnreg:dpi'): res.update({'data-font-pt': ch['bnreg:font-pt'], 'data-dpi': ch['bnreg:dpi']})
    return res

# ---------------------------------------------------------------------------------------------------- site-wide passes
def lint(soup, rel) -> None:
    "Warn about markdown that came out as text: a link inside a link (e.g. [`name`](nb.ipynb), which nbdev links again)."
    for t in soup.find_all(string=re.compile(r'\]\([^)\s]+\)')):
        if t.find_parent(['code', 'pre', 'script', 'style']): continue
        warn(f'{rel}: markdown shown as text near {str(t).strip()[:60]!r}: a link inside a link? '
             '(nbdev links `name` by itself: write `name`, not [`name`](page.ipynb))')

def keep_inline_flags(soup, most:int=24) -> None:
    """An inline code that starts with a flag (`--shard K/N`) and is at most `most` characters long does not wrap: a
    line never ends at its `--`; in a longer one (a whole command) each flag is kept whole (`keep_flags_whole`)."""
    for c in soup.select('code'):
        if c.find_parent('pre'): continue
        t = c.get_text()
        if len(t) <= most and _re_flag.match(t): c['class'] = c.get('class', []) + ['flag']
        elif len(t) > most and c.string is not None and _re_flag.search(t):
            c.clear(); c.append(BeautifulSoup(keep_flags_whole(html.escape(t, quote=False)), 'html.parser'))

def clean_tables(soup) -> None:
    "pandas' HTML as clean tables: without its scoped <style> block, its border attribute and its inline row styles (site.css styles them)."
    for st in soup.select('.cell-output-display style'):
        if '.dataframe' in st.get_text(): st.decompose()
    for t in soup.select('table.dataframe'):
        t.attrs.pop('border', None)
        for tr in t.select('tr[style]'):
            if tr['style'].replace(' ', '').rstrip(';') == 'text-align:right': del tr['style']

_re_tests_heading = re.compile(r'^tests?\b', re.I)

def fold_test_sections(soup) -> int:
    """Fold every section headed "Tests" (levels 2-4; "Tests: every rule, ..." too): its heading and the text of its
    own cell stay, what follows up to the next heading of its level or above goes into a closed <details> whose summary
    names the subsections. A link to a heading inside opens it (site.js). The number of sections folded."""
    n = 0
    for h in soup.find_all(['h2', 'h3', 'h4']):
        block = h.find_parent('div', class_='cell-markdown')
        if not _re_tests_heading.match(h.get_text(' ', strip=True)) or block is None or block.parent is not soup:
            continue
        lvl, items = int(h.name[1]), []
        for sib in block.find_next_siblings():
            if any(int(x.name[1]) <= lvl for x in sib.find_all(re.compile(r'^h[1-6]$'))): break
            items.append(sib)
        if not items: continue
        subs = [x.get_text(' ', strip=True).removesuffix('#').strip()
                for it in items for x in it.find_all(f'h{lvl + 1}')]
        d = soup.new_tag('details', attrs={'class': 'section-fold'})
        s = soup.new_tag('summary', attrs={'class': 'fold-summary'})
        s.string = (f'The tests, folded: {len(subs)} sections ({"; ".join(subs)})' if subs else
                    f'The tests, folded ({len(items)} cells)')
        d.append(s)
        block.insert_after(d)
        for it in items: d.append(it.extract())
        n += 1
    return n

def pandoc_id(text:str) -> str:
    "Pandoc's (and so Quarto's) automatic identifier for a heading's text."
    s = ''.join(ch for ch in text.lower() if ch.isalnum() or ch in '_-.' or ch.isspace())
    s = '-'.join(s.split())
    s = re.sub(r'^[^a-z\u00c0-\uffff]+', '', s) if not s[:1].isalpha() else s
    return s or 'section'

def assign_ids(soup) -> None:
    "Give every heading without an id pandoc's identifier (with -1, -2, ... for repeats) and an anchor link."
    seen = {t['id'] for t in soup.find_all(id=True)}
    for h in soup.find_all(re.compile(r'^h[1-6]$')):
        if not h.get('id'):
            base = pandoc_id(h.get_text(' ', strip=True)); hid, k = base, 0
            while hid in seen: k += 1; hid = f'{base}-{k}'
            h['id'] = hid; seen.add(hid)
        a = soup.new_tag('a', href=f'#{h["id"]}', attrs={'class': 'anchor-link', 'aria-label': 'link to this section'})
        a.string = '#'
        h.append(a)

def build_toc(soup, depth:int=TOC_DEPTH) -> list[dict]:
    "Nested table of contents of headings h1..h`depth`: their ids, their text and their HTML without links."
    toc, stack = [], []
    for h in soup.find_all([f'h{k}' for k in range(1, depth + 1)]):
        if 'title' in (h.get('class') or []): continue
        lvl = int(h.name[1])
        c = BeautifulSoup(h.decode_contents(), 'html.parser')
        for a in c.select('a.anchor-link'): a.decompose()
        for a in c.find_all('a'): a.unwrap()                              # the entry is a link already
        for m in c.select('.katex-mathml'): m.decompose()                 # keep KaTeX's visible half only
        item = {'id': h['id'], 'text': c.get_text(' ', strip=True), 'html': str(c).strip(), 'level': lvl, 'children': []}
        while stack and stack[-1]['level'] >= lvl: stack.pop()
        (stack[-1]['children'] if stack else toc).append(item)
        stack.append(item)
    return toc

_SKIP_TEXT = ('katex-html', 'anchor-link', 'copy-button', 'fold-summary')

def search_sections(soup, page:str, title:str) -> list[list]:
    """The page's text in sections, one per heading (levels 1-4, API entries included), for the search index:
    [anchor, heading, prose, code], the text of code blocks apart so that search ranks prose above code, and a 1 after
    them for an API entry (a show_doc cell's heading), which search ranks below prose. Formulas count by their TeX; the
    page's own top (before any heading) has anchor ''."""
    secs = [['', title, [], [], False]]
    for el in soup.descendants:
        if isinstance(el, NavigableString):
            if el.__class__.__name__ in ('Comment', 'Doctype', 'Declaration'): continue
            par, skip, code = el.parent, False, False
            for a in [par, *par.parents]:
                if a is None or a.name is None: break
                cls = a.get('class') or []
                if a.name in ('script', 'style', 'h1', 'h2', 'h3', 'h4') or any(c in _SKIP_TEXT for c in cls): skip = True; break
                if 'katex-mathml' in cls: skip = par.name != 'annotation'; break
                if a.name == 'pre': code = True
            if not skip: secs[-1][3 if code else 2].append(str(el))
        elif el.name in ('h1', 'h2', 'h3', 'h4') and el.get('id') and 'title' not in (el.get('class') or []):
            c = BeautifulSoup(str(el), 'html.parser')
            for x in c.select('.anchor-link, .katex-html'): x.decompose()
            secs.append([el['id'], ' '.join(c.get_text(' ').split()), [], [], bool(el.find_parent(class_='doc-entry'))])
    flat = lambda parts: ' '.join(' '.join(parts).split())
    return [[a, h, flat(x), flat(k)] + [1] * api for a, h, x, k, api in secs if x or k or a]

# Search ranks a section by its words (site.js), times its page's weight here: the pages a reader works from (start
# here, the training command, using a finished run) come before mechanism and API pages for the same words; the
# changelog, which tells what changed rather than how things are, after them; so do the API reference and the study's
# verdict functions (claims), whose names repeat the words of the pages that explain them.
SEARCH_WEIGHTS = {'index.html': 1.4, 'reproductions/commands.html': 1.4,
                  'train.html': 1.4, 'evaluate.html': 1.4, 'changelog.html': 0.5, 'claims.html': 0.4, 'api.html': 0.8}

def search_index(pages:list[tuple[str, str, object]]) -> dict:
    """The site's search index from (page path, title, content soup) triples:
    {'pages': [[path, title(, weight)]], 'sections': [[page, anchor, heading, prose, code(, 1 if an API entry)]]};
    a weight only where it is not 1."""
    res = {'pages': [], 'sections': []}
    for i, (page, title, soup) in enumerate(pages):
        res['pages'].append([page, title] + ([SEARCH_WEIGHTS[page]] if page in SEARCH_WEIGHTS else []))
        res['sections'] += [[i, *s] for s in search_sections(soup, page, title)]
    return res

def katex_dir() -> Path:
    "KaTeX (npm package), fetched once into the user cache with `npm pack`."
    if os.environ.get('BNREG_KATEX_DIR'): return Path(os.environ['BNREG_KATEX_DIR'])
    cache = Path(os.environ.get('XDG_CACHE_HOME') or Path.home() / '.cache') / 'bnreg_nb' / f'katex-{KATEX_VERSION}'
    pkg = cache / 'package'
    if (pkg / 'dist' / 'katex.min.css').exists(): return pkg
    if not shutil.which('npm'):
        raise SiteError('math needs KaTeX from npm, and npm is not installed: `apt-get install -y npm` (or Node.js), '
                        'or set BNREG_KATEX_DIR to an unpacked `katex` npm package')
    say(f'fetching KaTeX {KATEX_VERSION} from npm into {cache}')
    cache.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['npm', 'pack', '--silent', f'katex@{KATEX_VERSION}', '--pack-destination', str(cache)],
                       capture_output=True, text=True, cwd=cache)
    tgz = cache / f'katex-{KATEX_VERSION}.tgz'
    if r.returncode or not tgz.exists(): raise SiteError(f'npm pack katex@{KATEX_VERSION} failed:\n{r.stderr}')
    with tarfile.open(tgz) as t:
        try: t.extractall(cache, filter='data')
        except TypeError: t.extractall(cache)                               # Python < 3.10.12
    tgz.unlink()
    return pkg

_KATEX_JS = r"""
const katex = require(process.env.KATEX_JS);
let buf = '';
process.stdin.on('data', d => buf += d);
process.stdin.on('end', () => {
  const out = JSON.parse(buf).map(([tex, display]) => {
    try { return [katex.renderToString(tex, {displayMode: display, throwOnError: true}), null]; }
    catch (e) { return [katex.renderToString(tex, {displayMode: display, throwOnError: false}), String(e.message)]; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""

def typeset_math(soups:dict, kdir:Path) -> int:
    "Replace every `span.math` of every page by KaTeX's HTML (one Node.js run for the whole site)."
    spans = [(page, s) for page, soup in soups.items() for s in soup.select('span.math')]
    if not spans: return 0
    node = shutil.which('node') or shutil.which('nodejs')
    if not node: raise SiteError('math is typeset with KaTeX on Node.js, which is not installed: `apt-get install -y nodejs`')
    items = sorted({(s.get_text(), 'display' in s['class']) for _, s in spans})
    r = subprocess.run([node, '-e', _KATEX_JS], input=json.dumps(items), capture_output=True, text=True,
                       env={**os.environ, 'KATEX_JS': str(kdir / 'dist' / 'katex.js')})
    if r.returncode: raise SiteError(f'KaTeX failed:\n{r.stderr}')
    done = dict(zip(items, json.loads(r.stdout)))
    for page, s in spans:
        out, err = done[(s.get_text(), 'display' in s['class'])]
        if err: warn(f'{page}: KaTeX cannot typeset {s.get_text()!r}: {err}')
        s.clear()
        s.append(BeautifulSoup(out, 'html.parser'))
    return len(spans)

def fix_links(soup, page:Path, src_dir:Path, nbs:Path, out:Path, pagemap:dict, doc_url:str) -> None:
    "Links as Quarto resolves them: notebooks to their pages, the hosted site to relative links, local files copied."
    for tag, attr in (('a', 'href'), ('img', 'src'), ('source', 'src'), ('video', 'src')):
        for el in soup.find_all(tag, attrs={attr: True}):
            url = el[attr]
            if doc_url and url.startswith(doc_url):                        # nbdev's links into the API, made local
                rest = url[len(doc_url):]
                path, _, frag = rest.partition('#')
                url = os.path.relpath(path or 'index.html', page.parent) + (f'#{frag}' if frag else '')
                el[attr] = url
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(('#', 'data:', 'mailto:')) or not parts.path: continue
            target = (src_dir / unquote(parts.path)).resolve()
            try: rel_src = target.relative_to(nbs.resolve())
            except ValueError: continue
            frag = f'#{parts.fragment}' if parts.fragment else ''
            if rel_src in pagemap:                                          # a link to another notebook/page
                el[attr] = os.path.relpath(pagemap[rel_src], page.parent) + frag
            elif target.is_file():                                          # a data file, an image: copy it
                dest = out / rel_src
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not dest.exists() or dest.stat().st_mtime < target.stat().st_mtime: shutil.copy2(target, dest)
                if tag == 'img' and target.suffix.lower() == '.png' and (fa := figure_attrs(target.read_bytes())):
                    for k, v in fa.items(): el.attrs.setdefault(k, v)
                    if not el.find_parent(class_='figure-scroll'): el.wrap(soup.new_tag('span', attrs={'class': 'figure-scroll'}))
            elif not (out / rel_src).exists() and rel_src.suffix not in ('.html',):
                warn(f'{page}: link to {rel_src}, which is not in {nbs.name}/ (broken link)')

def pygments_css() -> str:
    return HtmlFormatter(style='friendly').get_style_defs('.sourceCode')

# ---------------------------------------------------------------------------------------------------- the site
def nav_tree(contents, pagemap:dict, titles:dict, page:Path, nbs:Path) -> list[dict]:
    "The sidebar for `page`: sections of links relative to it."
    res = []
    for o in contents or []:
        if isinstance(o, str): o = {'href': o}
        if 'section' in o:
            res.append({'section': o['section'], 'href': _nav_href(o.get('href'), pagemap, page),
                        'items': nav_tree(o.get('contents'), pagemap, titles, page, nbs)})
        elif 'href' in o:
            rel = Path(o['href'])
            href = _nav_href(o['href'], pagemap, page)
            text = inline_markdown(str(o['text'])) if o.get('text') else titles.get(rel) or html.escape(rel.stem)
            res.append({'text': text, 'href': href,
                        'active': pagemap.get(rel) == page})
        elif 'contents' in o: res += nav_tree(o['contents'], pagemap, titles, page, nbs)
    return res

def _nav_href(h, pagemap, page):
    if not h: return None
    if re.match(r'\w+:', h): return h
    return os.path.relpath(pagemap.get(Path(h), Path(h)), page.parent)

def _flat(nav):
    for o in nav:
        if 'items' in o: yield from _flat(o['items'])
        else: yield o

def build(out:Path=None, exact:bool=False, nbs:Path=None) -> dict:
    "Build the site of the notebooks in `nbs` (default: nbs/) into `out` (default: doc_path of pyproject.toml, _docs/)."
    t0 = time.time()
    os.chdir(ROOT)
    from nbdev.config import get_config
    import jinja2
    cfg = get_config()
    nbs, out = Path(nbs or cfg.nbs_path).resolve(), Path(out or cfg.doc_path).resolve()
    pages = find_pages(nbs)
    if not pages: raise SiteError(f'no notebooks in {nbs}')

    missing, unlisted = check_sidebar(nbs, pages)
    if missing:
        raise SiteError(f'nbs/sidebar.yml lists {", ".join(missing)}, which do(es) not exist in nbs/: '
                        f'create the notebook, or run `python tools/build_site.py --sync-sidebar`')
    for p in filter(in_menu, unlisted):
        warn(f'{p} is not in nbs/sidebar.yml, so no menu links to it: run `python tools/build_site.py --sync-sidebar`')
    if not cfg.custom_sidebar:
        warn('pyproject.toml [tool.nbdev] lacks `custom_sidebar = true`: nbdev-docs will overwrite nbs/sidebar.yml with a flat list')

    # 1. nbdev's processing
    filt = make_filter(exact)
    processed, rerun = {}, {}
    t1 = time.time()
    errors = []
    for rel in pages:
        if rel.suffix != '.ipynb': continue
        try:
            with warnings.catch_warnings():                                 # reported below, in one line
                warnings.filterwarnings('ignore', 'Found cells containing imports and other code')
                warnings.simplefilter('ignore', FutureWarning)                  # from the libraries the notebooks import
                nb = process(nbs / rel, filt)
        except Exception as e:
            errors.append(f'nbdev could not process {rel}: {e}' if isinstance(e, SiteError) else
                          f'nbdev could not process {rel}: {type(e).__name__}: {e}')
            continue
        processed[rel] = nb
        if getattr(nb, 'rerun_cells_', None): rerun[str(rel)] = len(nb.rerun_cells_)
    if errors: raise SiteError('\n'.join(errors))
    say(f'nbdev processed {len(processed)} notebooks in {time.time() - t1:.1f} s')
    if rerun:
        say('cells that mix imports with other code, which nbdev-docs runs again (from the repository root) and this '
            'build shows with their saved outputs: ' + ', '.join(f'{k} ({v})' for k, v in rerun.items()))

    # 2. pages
    pagemap = {rel: rel.with_name(processed[rel].frontmatter_.get('output-file', html_name(rel).name)) if rel in processed
               else html_name(rel) for rel in pages}
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    contents, titles, descs, soups, heads = {}, {}, {}, {}, {}
    for rel in pages:
        page = pagemap[rel]
        if rel in processed:
            r = PageRenderer(processed[rel], page, out)
            body = r.render(); fm = r.fm
        else:
            txt = (nbs / rel).read_text()
            m = re.match(r'^---\s*\n(.*?)\n---\s*\n', txt, re.S)
            fm = yaml.safe_load(m.group(1)) if m else {}
            txt = txt[m.end():] if m else txt
            txt = include_shortcodes(txt, (nbs / rel).parent, fm.get('title'))
            if rel.suffix == '.qmd' and re.search(r'^```\{', txt, re.M): warn(f'{rel}: .qmd code chunks are shown, not run, by the offline build')
            body = markdown(txt)
        titles[rel] = str(fm.get('title') or rel.stem)
        descs[rel] = fm.get('description') or ''
        heads[rel] = (BeautifulSoup(inline_markdown(titles[rel]), 'html.parser'),
                      BeautifulSoup(inline_markdown(str(descs[rel])) if descs[rel] else '', 'html.parser'))
        soups[f'{rel} (title)'], soups[f'{rel} (description)'] = heads[rel]
        soup = BeautifulSoup(body, 'html.parser')
        fix_links(soup, page, (nbs / rel).parent, nbs, out, pagemap, (cfg.doc_url or '').rstrip('/') + '/' if cfg.doc_url else '')
        lint(soup, rel)
        clean_tables(soup); keep_inline_flags(soup)
        assign_ids(soup)                                                    # from the TeX of any math, as pandoc
        fold_test_sections(soup)                                            # after the ids: headings inside keep them
        soups[page] = soup
        contents[rel] = soup
    nmath = typeset_math(soups, katex_dir()) if any(s.select_one('span.math') for s in soups.values()) else 0

    # 3. the site around the pages
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SITE), autoescape=False, trim_blocks=True, lstrip_blocks=True)
    tmpl = env.get_template('page.html')
    sidebar = read_sidebar(nbs)
    title_html = {rel: str(heads[rel][0]) for rel in pages}                 # typeset, for the sidebar
    libs = out / 'site_libs'
    (libs / 'bnreg').mkdir(parents=True)
    shutil.copy2(SITE / 'site.css', libs / 'bnreg' / 'site.css')
    shutil.copy2(SITE / 'site.js', libs / 'bnreg' / 'site.js')
    (libs / 'bnreg' / 'pygments.css').write_text(pygments_css())
    if (nbs / 'styles.css').exists(): shutil.copy2(nbs / 'styles.css', out / 'styles.css')
    if nmath:
        kd = katex_dir() / 'dist'
        shutil.copytree(kd / 'fonts', libs / 'katex' / 'fonts')
        shutil.copy2(kd / 'katex.min.css', libs / 'katex' / 'katex.min.css')
    site = {'title': cfg.title, 'description': cfg.description, 'repo': cfg.git_url, 'branch': cfg.branch,
            'katex': nmath > 0, 'katex_version': KATEX_VERSION, 'styles': (nbs / 'styles.css').exists()}
    manifest = []
    for rel in pages:
        page = pagemap[rel]
        soup = contents[rel]
        title_soup, desc_soup = heads[rel]
        toc = build_toc(soup)
        nav = nav_tree(sidebar, pagemap, title_html, page, nbs)
        flat = [o for o in _flat(nav)]
        here = next((k for k, o in enumerate(flat) if o.get('active')), None)
        prev_ = flat[here - 1] if here not in (None, 0) else None
        next_ = flat[here + 1] if here is not None and here + 1 < len(flat) else None
        root = os.path.relpath('.', page.parent)
        src_url = f'{cfg.git_url}/blob/{cfg.branch}/{nbs.relative_to(ROOT)}/{rel}' if cfg.git_url and nbs.is_relative_to(ROOT) else None
        t = BeautifulSoup(str(title_soup), 'html.parser')
        for m in t.select('.katex-mathml'): m.decompose()                 # for <title>: KaTeX's visible half
        title_text = ' '.join(t.get_text(' ').split())
        html_ = tmpl.render(site=site, title=str(title_soup), title_text=title_text, description=str(desc_soup),
                            content=str(soup), toc=toc, nav=nav, prev=prev_, next=next_, root=root,
                            source=str(rel), source_url=src_url, is_index=(page == Path('index.html')))
        (out / page).parent.mkdir(parents=True, exist_ok=True)
        (out / page).write_text(html_)
        manifest.append({'source': str(rel), 'page': str(page), 'title': titles[rel],
                         'headings': len(soup.find_all(re.compile(r'^h[1-6]$'))), 'toc': sum(1 for _ in _toc_flat(toc))})
    ix = search_index([(str(pagemap[rel]), re.sub(r'[`*]', '', titles[rel]), contents[rel]) for rel in pages])
    (out / 'search.js').write_text('window.BNREG_SEARCH = ' + json.dumps(ix, ensure_ascii=False, separators=(',', ':')) + ';\n')
    say(f'search index: {len(ix["sections"])} sections, {(out / "search.js").stat().st_size / 1e6:.1f} MB')
    (out / '.nojekyll').touch()
    (out / 'site.json').write_text(json.dumps({'pages': manifest, 'math': nmath, 'unlisted': unlisted,
                                               'built_in_s': round(time.time() - t0, 1)}, indent=1))
    say(f'{len(pages)} pages, {nmath} formulas, into {out} in {time.time() - t0:.1f} s')
    return {'pages': manifest, 'out': out}

def _toc_flat(toc):
    for o in toc:
        yield o; yield from _toc_flat(o['children'])

FLAGS = dict(   # the command's flags, in the package's one style (bnreg_nb.core: a Flag table, add_flags)
    out=Flag(str, None, 'output folder (default: doc_path from pyproject.toml, _docs)'),
    exact=Flag(bool, False, "use nbdev's exec_show_docs unchanged (re-runs exported and import cells, as nbdev-docs)"),
    nbs=Flag(str, None, argparse.SUPPRESS),                                 # another notebook folder (tests)
    sync_sidebar=Flag(bool, False, 'rewrite nbs/sidebar.yml from SIDEBAR_PLAN for the notebooks that exist, then build'),
)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    a = add_flags(ap, FLAGS).parse_args(argv)
    os.chdir(ROOT)
    try:
        if a.sync_sidebar:
            from nbdev.config import get_config
            nbs = Path(a.nbs or get_config().nbs_path)
            sync_sidebar(nbs, find_pages(nbs))
        build(Path(a.out) if a.out else None, exact=bool(a.exact), nbs=a.nbs)
    except SiteError as e:
        print(f'[site] ERROR: {e}', file=sys.stderr); sys.exit(1)

if __name__ == '__main__': main()
