#!/usr/bin/env python
"""Check the built documentation site in a real browser (headless Chromium driven by Playwright).

    python tools/check_site.py [--site _docs] [--pages 03_fixup,index] [--chromium /usr/bin/chromium]
    python tools/check_site.py --self-test          # the rules' own tests, no browser

Serves the site on 127.0.0.1, opens every page at 1280 px and at 390 px (a phone), and fails (exit 1) on
anything a reader would trip over. The rules (`RULES` below names them; a failure prints page, rule, excerpt):
- the page loads without console errors, page errors, failed requests or HTTP errors; every image shows;
- every internal link resolves (file and #anchor); no source link ends in `#LNone`;
- every notebook has its page; every page has the whole sidebar, itself marked, and a table of contents of
  its headings (levels 1-3); every exported function and class (`_modidx`) has its API entry;
- every formula is typeset by KaTeX;
- saved outputs carry no progress bars, no Python warnings, no local or temporary paths (also in code and
  prose), no raw pandas index column (an unnamed first column 0..n-1);
- no markdown shown as text (`[text](page.ipynb)`), no `10^6` written outside math;
- API entries: no `NoneType` for an optional parameter, no fastai event parameters (before_fit, ...), no
  docstring inherited from a Python built-in, a docstring on every entry;
- figures: every PNG figure records its smallest text (PNG text chunks `bnreg:font-pt`, `bnreg:dpi`, written by
  `bnreg_nb.plots.set_style()`), and that text is at least 9 px as displayed, at 1280 px and at 390 px;
- layout: the content column is at least 700 px wide at 1280 px; nothing is wider than its column unless it
  is inside its own scrolling box (overflow-x: auto/scroll), nothing is cut off by a clipping box, and the page
  never scrolls sideways; no element of any kind hides content sideways (scrollWidth > clientWidth), except display
  math in a visible frame meant to scroll (counted); at 390 px the chapter menu is behind a toggle (the first
  screen shows the page);
- first screens (1280x800 and 390x844): the landing page shows its findings (.findings) and its quick start's commands,
  unwrapped; every other notebook's page opens with its box (.at-a-glance: what it shows, its result, the command);
  the Training chapter, tests and long outputs folded, is at most half its length when issue 33 was filed (PAGE_HEIGHT);
- reader tools: a search box on every page whose index finds pages (over http and from file://) and puts the answer
  to each of ten readers' questions first (SEARCH_QUESTIONS), a copy
  button on every code block (and it copies), a changelog page and an API page in the sidebar.
Screenshots of every page at both widths (the first screen and the full page) go to <site>/_screenshots/.
`bash tools/check_site.sh` installs what this needs, builds the site and runs it.
"""
from __future__ import annotations
import argparse, functools, http.server, importlib, json, os, re, shutil, sys, tempfile, threading, time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_site import png_info, fastai_events, Flag, add_flags, SHELLS   # one PNG reader, one list of fastai's events, one of shell languages, for builder and check

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = 'bash bootstrap.sh'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']
DESKTOP, PHONE = 1280, 390        # the widths every page is checked (and photographed) at
MIN_COLUMN = 700                  # px: figures are drawn FIG_WIDTH * FIG_DPI = 700 px wide (bnreg_nb.plots)
# short and lowercase names of variants in figures' legends, spelled out as bnreg_nb.plots names them (lowercase)
SHORT_NAMES = {'bn': 'batchnorm', 'batch': 'batchnorm', 'batch norm': 'batchnorm', 'none': 'no normalization',
               'no-norm': 'no normalization', 'nonorm': 'no normalization', 'nf': 'nf-resnet', 'nfnet': 'nf-resnet',
               'ghost bn': 'ghost batchnorm', 'noise-free bn': 'noise-free batchnorm'}
MIN_TEXT_PX = 9                   # the smallest text of a figure, as displayed on a desktop screen
PHONE_TEXT_PX = 7                 # ... and on a phone, where a figure shrinks to the screen (its 2x PNG stays sharp when zoomed)
SIDEWAYS_PX = 2                   # px of content an element may hide sideways (rounding) before the rule fails it
# readers' questions typed into search, and the section (page#anchor) or page that must come first (issue 33)
SEARCH_QUESTIONS = [('install', 'index.html#quick-start'), ('Fixup learning rate', 'train.html#fixup-at-the-commands-defaults'),
                    ('claims', 'reproductions/paper.html'), ('resume', 'train.html#kill-and-resume'),
                    ('embedding penalty', 'penalties.html'), ('ImageNet', 'reproductions/commands.html#imagenet'),
                    ('safetensors', 'evaluate.html#what-is-safe-to-load-from-strangers'),
                    ('ghost batchnorm', 'norms.html#ghost-batchnorm'), ('multi-gpu', 'distributed.html'),
                    ('explosive growth', 'fixup.html')]
EXCERPTS = 4                      # excerpts printed per page and rule
# first screens (issue 33): the height of the first screen at each width; the landing page shows its findings and its
# quick start's commands (unwrapped) within it, every other notebook's page opens with its box (`OPENING_BOX`: what it
# shows, its result, the command) within it; and a chapter's length as a reader first sees it (tests and long outputs
# folded, build_site.py), in px at DESKTOP, at most PAGE_HEIGHT
FIRST_SCREEN = {DESKTOP: 800, PHONE: 844}
OPENING_BOX = '.at-a-glance'
PAGE_HEIGHT = {'train.html': 34_000 // 2}   # half the Training chapter's length when issue 33 was filed

RULES = {  # rule: what it means (printed with a failure)
    'load': 'the page did not load cleanly',
    'image': 'an image does not show',
    'link': 'a link or anchor leads nowhere',
    'LNone': 'a source link without its line number (#LNone)',
    'navigation': 'sidebar or table of contents incomplete',
    'api-entry': 'an exported name without its API entry',
    'math': 'a formula KaTeX could not typeset',
    'progress-bar': 'a progress bar in a saved output: pass progress=False or remove fastai\'s ProgressCallback',
    'warning': 'a Python warning in a saved output: fix its cause, or filter it at its source in a #| hide cell',
    'local-path': 'a local or temporary path: print paths relative to the notebook or the repository',
    'accuracy-percent': "a table shows accuracy as a fraction: show it in percent, named with its unit (bnreg_nb.runs.for_reading)",
    'pandas-index': "a table shows pandas' default index: df.style.hide(axis='index') or to_html(index=False)",
    'markdown-as-text': 'markdown shown as text (a link inside a link? write `name`, nbdev links it)',
    'raw-exponent': 'an exponent written as 10^6 outside math: write $10^6$ or 1e6',
    'NoneType': 'an optional parameter shown as NoneType',
    'event-params': "fastai's event parameters listed on a callback's entry",
    'builtin-doc': "an entry shows a Python built-in's docstring: give the class its own",
    'no-docstring': 'an API entry without a docstring',
    'figure-text': f'figure text smaller than {MIN_TEXT_PX} px as displayed at {DESKTOP} px ({PHONE_TEXT_PX} px at {PHONE} px)',
    'alt-text': 'an image without alt text: draw figures after bnreg_nb.plots.set_style() (it records one), or give the cell #| fig-alt',
    'figure-record': 'a figure PNG without bnreg:font-pt/bnreg:dpi: draw it after bnreg_nb.plots.set_style()',
    'column': f'the content column is narrower than {MIN_COLUMN} px at {DESKTOP} px',
    'too-wide': 'wider than its column, and not inside a box that scrolls',
    'cut-off': 'content cut off by a box that clips it',
    'sideways': ('content hidden sideways: an element whose content is wider than its box (it must be scrolled, or '
                 'spills out): code and outputs wrap (site.css), display math shrinks or scrolls in a visible frame '
                 '(site.js, .scroll-frame)'),
    'command-cut': 'a shell command that does not show whole (its box scrolls): break it with a line continuation (\\)',
    'output-cut': 'a printed output (stdout, stderr) that does not show whole (its box scrolls): site.css wraps them; a line without a break point?',
    'variant-color': ("a variant drawn in different colours on the site's figures (its name in any case or short form: "
                      "'bn' is BatchNorm), or two variants in one colour in a figure: draw them with "
                      "bnreg_nb.plots.palette / variant_color"),
    'table-width': (f'a table wider than the column: at {DESKTOP} px keep the columns a reader needs (at most 7) and round the numbers; '
                    f'at {PHONE} px site.js stacks a wide table into one card per row, so a table that still scrolls is a stacking failure'),
    'page-width': 'the page scrolls sideways',
    'first-screen': (f"the landing page's first screen ({DESKTOP}x{FIRST_SCREEN[DESKTOP]}, "
                     f"{PHONE}x{FIRST_SCREEN[PHONE]}) lacks its findings (.findings) or its quick start's commands, "
                     "or a command wraps"),
    'opening-box': (f"a chapter that does not open with its box ({OPENING_BOX}) on its first screen: a markdown "
                    'cell right after the title, ::: {.callout-tip .at-a-glance title="At a glance"}, with what it '
                    "shows, its result (and where it comes from) and the command that produces it"),
    'page-length': ('a chapter longer than PAGE_HEIGHT as a reader first sees it: fold its tests (build_site.py '
                    'folds them by rule)'),
    'phone-menu': f'at {PHONE} px the chapter menu is not behind a toggle',
    'search': 'search missing or not working',
    'search-answer': ("a reader's question (SEARCH_QUESTIONS) whose first search result is not its answer: "
                      "tune the ranking in tools/site/site.js"),
    'copy': 'a code block without a working copy button',
    'site': 'site-wide',
}

# ---------------------------------------------------------------------------------------------------- text rules
# Each: rule, regex, the kinds of text it reads. Text kinds: 'prose' (markdown), 'source' (a code cell's code),
# 'output' (a saved output, API entries included), 'code' (code or pre inside prose: `inline`, a fenced block);
# math is never read. A path is local when it is absolute under /work, /tmp, /home or /root, or inside a virtual
# environment's or an installation's library (`/x/.venv/...`, `.venv/lib/...`, `site-packages/...`); the project's
# own `.venv/bin/activate` in a command is not.
_ALL = ('prose', 'source', 'output', 'code')
TEXT_RULES = [
    ('progress-bar', re.compile(r'[█▉▊▋▌▍▎▏]{2,}|\|[█▉▊▋▌▍▎▏ ]{3,}|\d{1,3}\.\d\d% \[|\d+/\d+ \[\d\d:\d\d<|\d+(\.\d+)?it/s\]'), ('prose', 'output')),
    ('warning', re.compile(r'(?m)^.*\b\w*Warning: .*$|\b(FutureWarning|UserWarning|DeprecationWarning|RuntimeWarning|PendingDeprecationWarning)\b'), ('output',)),
    ('local-path', re.compile(r'(?<![\w.~])/(work|tmp|home|root)/[\w.-][^\s\'"]*|(?<=/)\.venv/[^\s\'"]*|\.venv/lib/[^\s\'"]*|\bsite-packages/[^\s\'"]*'), _ALL),
    ('markdown-as-text', re.compile(r'\[[^\]\n]{1,80}\]\([^)\s]+\)'), ('prose', 'output')),
    ('raw-exponent', re.compile(r'(?<![\w.])\d+(\.\d+)?\s?\^\s?\{?[-−+]?\d'), ('prose', 'output')),
    ('NoneType', re.compile(r'\bNoneType\b'), ('output',)),
]

@functools.cache
def _variant_names() -> dict:
    from bnreg_nb.plots import VARIANT_COLORS, COLOR_ALIASES
    return ({k.lower(): k.lower() for k in VARIANT_COLORS} | {k.lower(): v.lower() for k, v in COLOR_ALIASES.items()}
            | SHORT_NAMES)

def variant_of(label:str) -> str|None:
    """The variant a legend label names, in lowercase, whatever its case or short name ('bn' and 'BatchNorm' are
    'batchnorm'; 'Fixup + Dropout 0.3' is 'fixup + dropout', the longest name it starts with); None if it names none."""
    low, names = ' '.join(label.lower().split()), _variant_names()
    hits = [k for k in names if re.match(re.escape(k) + r'(?!\w)', low)]
    return names[max(hits, key=len)] if hits else None

def color_key(label:str) -> str|None:
    "What the site-wide colour rule compares: a variant's name or short name as its variant, a longer label as itself."
    low = ' '.join(label.lower().split())
    return _variant_names().get(low, low) if variant_of(label) else None

def shared_colors(colors:dict) -> list[str]:
    "In one figure's legend colours (label: colour), the colours that two different variants share: an excerpt of each."
    by = defaultdict(dict)
    for label, col in colors.items():
        if v := variant_of(label): by[col].setdefault(v, label)
    return [f'"{a}" and "{b}" in {col}' for col, vs in by.items() if len(vs) > 1 for a, b in [list(vs.values())[:2]]]

def builtin_docs() -> list[str]:
    "First lines of the docstrings of Python's built-in classes (and object.__init__), as an entry would show them."
    import builtins
    docs = {object.__init__.__doc__}
    for v in vars(builtins).values():
        if isinstance(v, type) and v.__doc__: docs.add(v.__doc__)
    return sorted({d.strip().split('\n')[0].strip() for d in docs if d and len(d.strip()) > 8})

def text_failures(segs:list[dict], events=(), bdocs=()) -> list[tuple[str, str]]:
    "(rule, excerpt) for the text segments of a page (`segs`: kind, text, where, entry) that break a text rule."
    res = []
    for s in segs:
        t, kind, where = s['text'], s['kind'], s.get('where') or ''
        if kind == 'math': continue
        for rule, rx, kinds in TEXT_RULES:
            if kind not in kinds or (rule == 'markdown-as-text' and s.get('code')): continue
            for m in rx.finditer(t):
                res.append((rule, _excerpt(t, m.start(), m.end(), where)))
        if s.get('entry') and kind == 'output':
            for ev in events:
                if m := re.search(rf'\b{ev}\s*[:=]', t):
                    res.append(('event-params', _excerpt(t, m.start(), m.end(), where))); break
            for d in bdocs:
                if d in t: res.append(('builtin-doc', f'{d!r} ({where})')); break
    return res

def _excerpt(t:str, a:int, b:int, where:str='', width:int=50) -> str:
    s = t[max(0, a - width):min(len(t), b + width)]
    s = ' '.join(s.split())
    if len(s) > 160: s = s[:157] + '...'
    return f'"{s}"' + (f' (near #{where})' if where else '')

def pandas_index(tables:list[dict]) -> list[str]:
    "Tables whose first column is an unnamed 0..n-1 (pandas' default index): an excerpt of each."
    res = []
    for t in tables:
        heads, firsts = t['heads'], t['firsts']
        if not firsts or not heads or any(h.strip() for h in heads): continue
        if [f.strip() for f in firsts] == [str(i) for i in range(len(firsts))]:
            res.append(f'a table of {len(firsts)} rows, columns {", ".join(t["cols"][:6])!r}' + (f' (near #{t["where"]})' if t.get('where') else ''))
    return res

def accuracy_fractions(tables:list[dict]) -> list[str]:
    "Tables that show accuracy as a fraction: a column named top1, top5 or accuracy (no unit) whose numbers all lie in [0, 1]."
    res = []
    for t in tables:
        for a in t.get('acc', []):
            try: v = [float(x) for x in a['values'] if x not in ('', '–', 'nan', 'NaN')]
            except ValueError: continue
            if v and all(0 <= x <= 1 for x in v):
                res.append(f'column {a["name"]!r}: {", ".join(a["values"][:3])}' + (f' (near #{t["where"]})' if t.get('where') else ''))
    return res

# ---------------------------------------------------------------------------------------------------- PNG text chunks
def png_text(data:bytes) -> dict:
    "The text chunks of a PNG file's bytes; {} if it is not a PNG (the builder's reader, `build_site.png_info`)."
    return png_info(data)[1]

def figure_text_px(chunks:dict, natural_w:float, shown_w:float) -> float|None:
    "The displayed size (CSS px) of a figure's smallest text; None if it has none; KeyError if not recorded."
    pt, dpi = chunks['bnreg:font-pt'], chunks['bnreg:dpi']
    if pt == 'none': return None
    return float(pt) * float(dpi) / 72 * (shown_w / natural_w)

# ---------------------------------------------------------------------------------------------------- the browser
def serve(site:Path):
    "A quiet static server for `site` on a free port of 127.0.0.1."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}'

PROBE = r"""() => {
  document.querySelectorAll('#content details:not([open])')
    .forEach(d => { d.open = true; d.dataset.probeOpened = '1'; });   // marked: FIRST closes them again
  const main = document.querySelector('#content');
  const hs = main ? [...main.querySelectorAll('h1,h2,h3')].filter(h => !h.classList.contains('title')) : [];
  const txt = el => { const c = el.cloneNode(true); c.querySelectorAll('.anchor-link').forEach(a => a.remove()); return c.textContent.trim(); };
  const entries = main ? [...main.querySelectorAll('.cell')].filter(c => c.querySelector(':scope > hr') && c.querySelector(':scope > h3, :scope > h4')) : [];
  // text, in segments of one block and one kind each, with the heading above it
  const segs = [];
  if (main) {
    const w = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    let where = '', last = null, n;
    while ((n = w.nextNode())) {
      const el = n.parentElement;
      if (!el || el.closest('script,style,.anchor-link')) continue;
      const h = el.closest('h1,h2,h3,h4,h5,h6');
      if (h && h.id) where = h.id;
      const kind = el.closest('.katex,.math') ? 'math'
        : el.closest('.cell-output') || el.closest('.cell') && el.closest('.cell').querySelector(':scope > hr') ? 'output'
        : el.closest('.cell-code') ? 'source' : el.closest('code,pre') ? 'code' : 'prose';
      const code = !!el.closest('code,pre');
      const block = el.closest('pre,p,li,td,th,h1,h2,h3,h4,h5,h6,figcaption,dt,dd,summary,div');
      const entry = entries.some(e => e.contains(el));
      if (last && last.block === block && last.kind === kind && last.code === code) last.text += n.data;
      else { last = {block, kind, code, text: n.data, where, entry}; segs.push(last); }
    }
  }
  const tables = main ? [...main.querySelectorAll('table')].map(t => {
    const hrows = [...t.querySelectorAll('thead tr')];
    const brows = [...t.querySelectorAll('tbody tr')];
    let where = ''; for (let e = t; e && e !== main; e = e.parentElement) { let p = e.previousElementSibling;
      while (p && !/^H[1-6]$/.test(p.tagName) && !p.querySelector('h1,h2,h3,h4,h5,h6')) p = p.previousElementSibling;
      if (p) { const h = /^H[1-6]$/.test(p.tagName) ? p : [...p.querySelectorAll('h1,h2,h3,h4,h5,h6')].pop(); where = h.id; break; } }
    return {heads: hrows.map(r => r.cells[0] ? r.cells[0].textContent : ''), firsts: brows.map(r => r.cells[0] ? r.cells[0].textContent : ''),
            cols: hrows.length ? [...hrows[0].cells].map(c => c.textContent.trim()) : [], where,
            // accuracy columns (top1, top5, accuracy: a name without a unit) and their values, where a body row lines up with the header row
            acc: hrows.flatMap(h => [...h.cells].map((c, i) => [c.textContent.trim(), i]).filter(([n]) => /^(top-?[15]|acc(uracy)?)$/i.test(n))
              .map(([n, i]) => ({name: n, values: brows.filter(r => r.cells.length === h.cells.length).map(r => r.cells[i].textContent.trim())})))};
  }) : [];
  return {
    images: [...document.images].map(i => ({src: i.getAttribute('src').slice(0, 200), url: i.currentSrc || i.src, complete: i.complete,
      nw: i.naturalWidth, nh: i.naturalHeight, w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height,
      alt: (i.getAttribute('alt') || '').trim(), inContent: !!(main && main.contains(i))})),
    links: [...document.querySelectorAll('a[href], link[href], img[src], script[src]')].map(e => ({
      tag: e.tagName.toLowerCase(), raw: e.getAttribute('href') ?? e.getAttribute('src'), url: e.href || e.src})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    sidebar: [...document.querySelectorAll('#sidebar a[href]')].map(a => ({url: a.href, active: a.classList.contains('active'), text: a.textContent.trim()})),
    toc: [...document.querySelectorAll('#toc a[href^="#"]')].map(a => a.getAttribute('href').slice(1)),
    headings: hs.map(h => h.id),
    headingText: [...(main ? main.querySelectorAll('h1,h2,h3,h4,h5,h6') : [])].map(txt),
    entries: entries.map(e => { const h = e.querySelector(':scope > h3, :scope > h4');
      const doc = [...e.children].filter(c => c.tagName === 'P' && !c.querySelector(':scope > a[target]') && c.textContent.trim());
      return {name: txt(h), id: h.id, doc: doc.length > 0}; }),
    progress: main ? main.querySelectorAll('progress').length : 0,
    math: document.querySelectorAll('span.math').length,
    typeset: document.querySelectorAll('span.math .katex').length,
    mathErrors: [...document.querySelectorAll('.katex-error')].map(e => e.getAttribute('title') || e.textContent),
    text: main ? main.innerText : '',
    segs: segs.map(s => ({kind: s.kind, code: s.code, text: s.text, where: s.where, entry: s.entry})),
    tables,
    codeBlocks: main ? [...main.querySelectorAll('div.sourceCode')].filter(d => !d.closest('.cell-output') && !(d.closest('.cell') && d.closest('.cell').querySelector(':scope > hr')))
      .map(d => ({copy: !!d.querySelector('button.copy-button'), text: d.textContent.trim().slice(0, 60)})) : [],
    search: !!document.querySelector('#search input'),
    title: document.title,
  };
}"""

LAYOUT = r"""() => {
  const main = document.querySelector('#content');
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const res = {vw, pageWidth: document.documentElement.scrollWidth, wide: [], cut: [], sideways: [], frames: 0,
               column: 0, widest: [], commands: [], outputs: [], tables: []};
  if (!main) return res;
  const cs = getComputedStyle(main), box = main.getBoundingClientRect();
  const left = box.left + parseFloat(cs.paddingLeft), right = box.right - parseFloat(cs.paddingRight);
  res.column = Math.round(right - left);
  const ox = el => getComputedStyle(el).overflowX;
  const desc = el => {
    const cls = [...el.classList].slice(0, 2).map(c => '.' + c).join('');
    let where = ''; const h = [...main.querySelectorAll('h1[id],h2[id],h3[id],h4[id]')].filter(h => h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
    if (h) where = h.id;
    return {el: el.tagName.toLowerCase() + cls, text: (el.textContent || el.getAttribute('src') || '').trim().replace(/\s+/g, ' ').slice(0, 70), where};
  };
  const reported = [];
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('.katex-mathml')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const o = ox(el);
    if ((o === 'hidden' || o === 'clip') && el.scrollWidth > el.clientWidth + 1 && !el.closest('.katex') && el.clientWidth > 0)
      res.cut.push({...desc(el), by: el.scrollWidth - el.clientWidth});
    if (r.right > right + 2 || r.left < left - 2) {
      if (reported.some(p => p.contains(el))) continue;
      let a = el.parentElement, ok = false;
      // a box that scrolls holds it; a box that clips it is the cut-off rule's (KaTeX clips its own glyphs)
      for (; a && a !== main; a = a.parentElement) { const oa = ox(a); if (oa !== 'visible') { ok = true; break; } }
      if (ok) continue;
      reported.push(el);
      res.wide.push({...desc(el), by: Math.round(Math.max(r.right - right, left - r.left))});
    }
  }
  // anything hidden sideways: an element whose content is wider than its box (it scrolls, or spills), of any kind,
  // reported once (not again inside a reported one); a visible frame meant to scroll (.scroll-frame) is counted
  for (const el of main.querySelectorAll('*')) {
    if (el.clientWidth <= 0 || el.scrollWidth <= el.clientWidth + SIDEWAYS_PX || el.closest('.katex-mathml')) continue;
    if (el.tagName === 'TABLE') continue;   // a wide table is the table-width rule's (it says what to do)
    const frame = el.closest('.scroll-frame');
    if (frame && parseFloat(getComputedStyle(frame).borderLeftWidth) > 0) { if (frame === el) res.frames++; continue; }
    if (res.sideways.some(p => p.node.contains(el))) continue;
    res.sideways.push({...desc(el), node: el, by: el.scrollWidth - el.clientWidth});
  }
  res.sideways = res.sideways.map(({node, ...d}) => d);
  // a command that does not show whole (its box scrolls), and a table wider than the column (it scrolls in its box)
  res.commands = [...main.querySelectorAll('SHELL_BLOCKS')].filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({...desc(p), by: p.scrollWidth - p.clientWidth}));
  res.outputs = [...main.querySelectorAll('.cell-output-stdout pre, .cell-output-stderr pre')].filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({...desc(p), by: p.scrollWidth - p.clientWidth}));
  res.tables = [...main.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().width > res.column + 2)
    .map(t => ({...desc(t), by: Math.max(t.scrollWidth - t.clientWidth, Math.round(t.getBoundingClientRect().width - res.column))}));
  if (res.pageWidth > vw + 1)
    res.widest = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > vw + 1)
      .filter((e, i, all) => !all.some(p => p !== e && p.contains(e))).slice(0, 3).map(desc);
  const sb = document.querySelector('#sidebar');
  const vis = el => { if (!el) return false; const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < vh && r.right > 0 && r.left < vw; };
  const t = document.querySelector('h1.title');
  const toggle = document.querySelector('button.sidebar-toggle');
  res.menu = {sidebarVisible: vis(sb), toggle: vis(toggle), titleVisible: !!t && vis(t) && t.getBoundingClientRect().top < vh * 0.6};
  res.images = [...main.querySelectorAll('img')].map(i => ({url: i.currentSrc || i.src, nw: i.naturalWidth, w: i.getBoundingClientRect().width}));
  res.searchVisible = vis(document.querySelector('#search input')) || vis(document.querySelector('button.search-toggle'));
  return res;
}""".replace('SHELL_BLOCKS', ', '.join(f'pre.{lang}' for lang in SHELLS))   # the shell blocks build_site keeps flags whole in
LAYOUT = LAYOUT.replace('SIDEWAYS_PX', str(SIDEWAYS_PX))   # the shell blocks build_site keeps flags whole in

FIRST = r"""() => {
  // as a reader first sees the page: what the probe opened is closed again while measuring
  const opened = [...document.querySelectorAll('#content details[data-probe-opened]')];
  opened.forEach(d => d.open = false);
  const main = document.querySelector('#content');
  const y = el => Math.round(el.getBoundingClientRect().top + scrollY);
  const end = el => Math.round(el.getBoundingClientRect().bottom + scrollY);
  const r = {height: document.documentElement.scrollHeight};
  if (main) {
    const box = main.querySelector('OPENING_BOX');
    // the first block with text (nbdev's comment is empty)
    const first = [...main.querySelectorAll('.cell-markdown, .cell')].find(c => c.textContent.trim());
    if (box) r.box = {top: y(box), bottom: end(box), first: !!first && first.contains(box),
                      command: !!box.querySelector('code')};
    const f = main.querySelector('.findings');
    if (f) r.findings = {top: y(f), bottom: end(f)};
    const cmd = [...main.querySelectorAll('SHELL_BLOCKS')].find(p => p.textContent.includes('QUICKSTART'));
    if (cmd) r.command = {top: y(cmd), bottom: end(cmd),
      wrapped: [...cmd.querySelectorAll('.ln')]
        .filter(l => l.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(l).lineHeight))
        .map(l => l.textContent.trim())};
  }
  opened.forEach(d => d.open = true);
  return r;
}""".replace('OPENING_BOX', OPENING_BOX).replace('QUICKSTART', QUICKSTART)
FIRST = FIRST.replace('SHELL_BLOCKS', ', '.join(f'pre.{lang}' for lang in SHELLS))

def first_screen_failures(page:str, source:str, first:dict) -> list[tuple[str, str]]:
    """(rule, message) for a page's first screens (`first`: width -> what FIRST measured): the landing page's findings
    and commands, every other notebook's opening box, a chapter's length."""
    res = []
    for w, m in first.items():
        fold = FIRST_SCREEN[w]
        if page == 'index.html':
            for what, k in (('the findings box (.findings)', 'findings'), ("the quick start's commands", 'command')):
                if not m.get(k): res.append(('first-screen', f'at {w} px: no {what}'))
                elif m[k]['bottom'] > fold:
                    res.append(('first-screen', f"at {w} px: {what} reach down to y = {m[k]['bottom']}, "
                                                f"below the first screen's {fold}"))
            for l in (m.get('command') or {}).get('wrapped', []):
                res.append(('first-screen', f'at {w} px: the command {l!r} wraps'))
        elif source.endswith('.ipynb'):
            b = m.get('box')
            if not b: res.append(('opening-box', f'at {w} px: no {OPENING_BOX} box')); continue
            if not b['first']: res.append(('opening-box', f'at {w} px: the box is not the first thing after the title'))
            if b['top'] > fold:
                res.append(('opening-box', f"at {w} px: the box starts at y = {b['top']}, "
                                           f"below the first screen's {fold}"))
            if not b['command']: res.append(('opening-box', 'the box names no command (`code`)'))
        if w == DESKTOP and page in PAGE_HEIGHT and m['height'] > PAGE_HEIGHT[page]:
            res.append(('page-length', f"at {w} px the page is {m['height']} px long (at most {PAGE_HEIGHT[page]})"))
    return res

def expected_api():
    "Exported top-level functions and classes, by the page nbdev documents them on (from the library's _modidx)."
    from nbdev.config import get_config
    lib = get_config().lib_path.name
    d = importlib.import_module(f'{lib}._modidx').d
    res = {}
    for mod, syms in d.get('syms', {}).items():
        for qual, (doc, _) in syms.items():
            name = qual[len(mod) + 1:]
            if '.' in name or name.startswith('_'): continue
            res.setdefault(doc.split('#')[0], []).append(name)
    return res

def sidebar_sources(nbs:Path) -> list[str]:
    import yaml
    def walk(cs):
        for o in cs or []:
            if isinstance(o, str): yield o
            elif isinstance(o, dict):
                if o.get('href'): yield o['href']
                yield from walk(o.get('contents'))
    return [h for h in walk(yaml.safe_load((nbs / 'sidebar.yml').read_text())['website']['sidebar']['contents'])
            if not re.match(r'\w+:', h)]

def select_pages(pages:list[str], src2page:dict, want:str|None) -> list[str]:
    "The pages named by `--pages` (notebook stems such as 03_fixup, page stems such as fixup, or paths); all if None."
    if not want: return pages
    by = {}
    for src, page in src2page.items():
        for k in (src, str(Path(src).with_suffix('')), Path(src).stem, page, str(Path(page).with_suffix(''))): by.setdefault(k, page)
    res, unknown = [], []
    for w in [w.strip() for w in want.split(',') if w.strip()]:
        p = by.get(w) or by.get(w.removeprefix('nbs/'))
        if p in pages: res.append(p)
        else: unknown.append(w)
    if unknown: sys.exit(f'[check] --pages: no page for {", ".join(unknown)} (pages: {", ".join(sorted(by))})')
    return list(dict.fromkeys(res))

def shot_name(page:str) -> str: return page.removesuffix('.html').replace('/', '__')

def site_file(site:Path, base:str, url:str) -> Path|None:
    if url.startswith(base): return site / unquote(urlsplit(url).path).lstrip('/')
    if url.startswith('file://'): return Path(unquote(urlsplit(url).path))
    return None

def check(site:Path, chromium:str, shots:Path, nbs:Path=None, only:str|None=None, screenshots:bool=True) -> list[tuple]:
    "Failures as (page, rule, excerpt)."
    from playwright.sync_api import sync_playwright
    from nbdev.config import get_config, nbpath2html
    os.chdir(ROOT)
    cfg = get_config()
    own = nbs is None or Path(nbs).resolve() == cfg.nbs_path.resolve()
    nbs = cfg.nbs_path if own else Path(nbs).resolve()
    fails = []
    F = lambda page, rule, msg: fails.append((page, rule, msg))
    manifest = json.loads((site / 'site.json').read_text()) if (site / 'site.json').exists() else {'pages': []}
    src2page = {p['source']: p['page'] for p in manifest['pages']}
    page2src = {v: k for k, v in src2page.items()}
    all_pages = sorted(str(p.relative_to(site)) for p in site.rglob('*.html') if '_screenshots' not in p.parts)
    if not all_pages: return [('site', 'load', f'no pages in {site}: build it with `python tools/build_site.py`')]
    pages = select_pages(all_pages, src2page, only)

    if not only:                                                           # every notebook has its page
        for nb in sorted(nbs.rglob('*.ipynb')):
            rel = nb.relative_to(nbs)
            if any(s[0] in '_.' for s in rel.parts): continue
            page = src2page.get(str(rel), str(nbpath2html(rel)))
            if page not in all_pages: F(page, 'load', f'nbs/{rel} has no page ({page})')
    side_pages = {src2page.get(h, str(nbpath2html(Path(h)))) for h in sidebar_sources(nbs)}
    api = expected_api() if own else {}
    events, bdocs = fastai_events(), builtin_docs()

    srv, base = serve(site)
    results, layouts = {}, {}
    search_checks, copy_check = [], None
    t0 = time.time()
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory(prefix='bnreg-chromium-') as prof:
            ctx = p.chromium.launch_persistent_context(prof, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
                                                       viewport={'width': DESKTOP, 'height': 900})
            try: ctx.grant_permissions(['clipboard-read', 'clipboard-write'], origin=base)
            except Exception: pass
            for page_path in pages:
                pg = ctx.new_page()
                errs = []
                pg.on('console', lambda m, errs=errs: errs.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
                pg.on('pageerror', lambda e, errs=errs: errs.append(f'page error: {e}'))
                pg.on('requestfailed', lambda r, errs=errs: errs.append(f'request failed: {r.url} ({r.failure})'))
                pg.on('response', lambda r, errs=errs: errs.append(f'HTTP {r.status}: {r.url}') if r.status >= 400 else None)
                try:
                    resp = pg.goto(f'{base}/{page_path}', wait_until='load', timeout=60_000)
                    pg.wait_for_load_state('networkidle', timeout=30_000)
                except Exception as e:
                    F(page_path, 'load', f'did not load: {e}'); pg.close(); continue
                if resp is None or not resp.ok: errs.append(f'HTTP {resp.status if resp else "?"} for the page itself')
                stem = shot_name(page_path)
                if screenshots:
                    shots.mkdir(parents=True, exist_ok=True)
                    pg.screenshot(path=str(shots / f'{stem}-{DESKTOP}.png'))
                    pg.screenshot(path=str(shots / f'{stem}-{DESKTOP}-full.png'), full_page=True)
                first = {DESKTOP: pg.evaluate(FIRST)}
                r = pg.evaluate(PROBE)
                lay = {DESKTOP: pg.evaluate(LAYOUT)}
                if copy_check is None and r['codeBlocks'] and any(c['copy'] for c in r['codeBlocks']):
                    copy_check = (page_path, try_copy(pg))
                pg.set_viewport_size({'width': PHONE, 'height': 844})
                pg.evaluate('window.scrollTo(0, 0)')
                pg.wait_for_timeout(150)
                if screenshots:
                    pg.screenshot(path=str(shots / f'{stem}-{PHONE}.png'))
                    pg.screenshot(path=str(shots / f'{stem}-{PHONE}-full.png'), full_page=True)
                lay[PHONE] = pg.evaluate(LAYOUT)
                first[PHONE] = pg.evaluate(FIRST)
                if page_path == pages[0]: lay[PHONE]['toggleWorks'] = try_toggle(pg)
                pg.close()
                r['errors'], r['first'] = errs, first
                results[page_path], layouts[page_path] = r, lay
            # search, over http on the first page and a nested one, and from file:// on the first
            targets = [pages[0]] + [q for q in pages if '/' in q][:1]
            want = next((m for m in manifest['pages'] if m['page'] in pages and m['page'] != 'index.html'), None) or (manifest['pages'] or [None])[0]
            for q in targets:
                search_checks.append((q, 'http', try_search(ctx, f'{base}/{q}', want)))
            search_checks.append((pages[0], 'file://', try_search(ctx, (site / pages[0]).as_uri(), want)))
            asked = [(q, w) for q, w in SEARCH_QUESTIONS if w.split('#')[0] in all_pages]   # the answer first
            search_checks += try_questions(ctx, f'{base}/{pages[0]}', asked)
            for probe in heading_probes(site, pages):   # ranking: a section's heading typed whole comes first, above prose and code
                search_checks.append((probe['page'], 'ranking', try_ranking(ctx, f'{base}/{pages[0]}', probe)))
            ctx.close()
    finally:
        srv.shutdown()
    browse_s = time.time() - t0

    ids = {k: set(v['ids']) for k, v in results.items()}
    for page in all_pages:
        if page not in ids:
            try: ids[page] = set(re.findall(r'\bid="([^"]+)"', (site / page).read_text()))
            except OSError: pass
    counts = defaultdict(int)
    colors = defaultdict(lambda: defaultdict(set))   # a variant's legend label -> its colour -> the pages that show it so
    for page_path, r in results.items():
        for e in r['errors']: F(page_path, 'load', e)
        for im in r['images']:
            counts['images'] += 1
            if not (im['complete'] and im['nw'] > 0 and im['nh'] > 0 and im['w'] > 0 and im['h'] > 0):
                F(page_path, 'image', f'{im["src"]} (natural {im["nw"]}x{im["nh"]}, shown {im["w"]:.0f}x{im["h"]:.0f})')
            if im['inContent'] and not im['alt']: F(page_path, 'alt-text', im['src'])
        for l in r['links']:
            if '#LNone' in (l['raw'] or ''): F(page_path, 'LNone', l['raw'])
            parts = urlsplit(l['url'])
            if not l['url'].startswith(base): continue
            counts['links'] += 1
            path = unquote(parts.path).lstrip('/') or 'index.html'
            target = site / path
            if target.is_dir(): target, path = target / 'index.html', f'{path.rstrip("/")}/index.html'.lstrip('/')
            if not target.is_file(): F(page_path, 'link', f'{l["raw"]!r} ({path} does not exist)'); continue
            if parts.fragment and l['tag'] == 'a':
                counts['anchors'] += 1
                frag = unquote(parts.fragment)
                if path.endswith('.html') and frag not in ids.get(path, set()):
                    F(page_path, 'link', f'anchor {l["raw"]!r} (no id {frag!r} in {path})')
        for l in r['links']:
            for rule, rx, _ in TEXT_RULES:
                if rule == 'local-path' and l['raw'] and rx.search(l['raw']) and not l['raw'].startswith(('http://', 'https://')):
                    F(page_path, 'local-path', f'{l["tag"]} {l["raw"][:100]!r}')
        # navigation
        got = {unquote(urlsplit(s['url']).path).lstrip('/') for s in r['sidebar']}
        if missing := side_pages - got: F(page_path, 'navigation', f'sidebar lacks {sorted(missing)}')
        active = [unquote(urlsplit(s['url']).path).lstrip('/') for s in r['sidebar'] if s['active']]
        if page_path in side_pages and active != [page_path]: F(page_path, 'navigation', f'sidebar marks {active}, not this page')
        if r['toc'] != r['headings']:
            F(page_path, 'navigation', f'table of contents lacks {[h for h in r["headings"] if h not in r["toc"]][:5]} '
                                       f'or lists {[h for h in r["toc"] if h not in r["headings"]][:5]}')
        counts['math'] += r['math']
        if r['typeset'] != r['math']: F(page_path, 'math', f'{r["math"] - r["typeset"]} of {r["math"]} formulas not typeset')
        for e in r['mathErrors']: F(page_path, 'math', e[:150])
        for name in api.get(page_path, []):
            counts['api'] += 1
            if name not in r['headingText']: F(page_path, 'api-entry', f'no show_doc entry for {name}')
        # text
        if r['progress']: F(page_path, 'progress-bar', f'{r["progress"]} <progress> element(s) in the outputs')
        for rule, msg in text_failures(r['segs'], events, bdocs): F(page_path, rule, msg)
        for msg in pandas_index(r['tables']): F(page_path, 'pandas-index', msg)
        for msg in accuracy_fractions(r['tables']): F(page_path, 'accuracy-percent', msg)
        for e in r['entries']:
            counts['entries'] += 1
            if not e['doc']: F(page_path, 'no-docstring', f'{e["name"]} (#{e["id"]})')
        for c in r['codeBlocks']:
            counts['code'] += 1
            if not c['copy']: F(page_path, 'copy', f'no copy button on {c["text"]!r}')
        if not r['search']: F(page_path, 'search', 'no search box (#search input)')
        # figures, at both widths
        lay = layouts[page_path]
        for width, L in lay.items():
            for im in L['images']:
                f = site_file(site, base, im['url'])
                if f is None or f.suffix.lower() != '.png' or not im['nw']: continue
                if width == DESKTOP: counts['figures'] += 1
                try: chunks = png_text(f.read_bytes())
                except OSError: continue
                rel = os.path.relpath(f, site)
                try: px = figure_text_px(chunks, im['nw'], im['w'])
                except KeyError:
                    if width == DESKTOP: F(page_path, 'figure-record', rel)
                    continue
                if width == DESKTOP:
                    legend = json.loads(chunks.get('bnreg:colors') or '{}')
                    for label, col in legend.items():
                        if key := color_key(label): colors[key][col].add(page_path)
                    for msg in shared_colors(legend):
                        F(page_path, 'variant-color', f'{rel}: two variants in one colour: {msg}')
                if px is not None and px < (MIN_TEXT_PX if width == DESKTOP else PHONE_TEXT_PX) - 1e-6:
                    F(page_path, 'figure-text', f'at {width} px: {rel}: {chunks["bnreg:font-pt"]} pt at {chunks["bnreg:dpi"]} dpi '
                                                f'shown {im["w"]:.0f} of {im["nw"]} px wide = {px:.1f} px')
            if width == DESKTOP and L['column'] < MIN_COLUMN: F(page_path, 'column', f'{L["column"]} px')
            for w in L['wide']: F(page_path, 'too-wide', f'at {width} px: {w["el"]} {w["by"]} px too wide: "{w["text"]}"' + (f' (near #{w["where"]})' if w['where'] else ''))
            for w in L.get('commands', []): F(page_path, 'command-cut', f'at {width} px: {w["by"]} px hidden: "{w["text"]}"' + (f' (near #{w["where"]})' if w['where'] else ''))
            for w in L.get('outputs', []): F(page_path, 'output-cut', f'at {width} px: {w["by"]} px hidden: "{w["text"]}"' + (f' (near #{w["where"]})' if w['where'] else ''))
            for w in L.get('tables', []): F(page_path, 'table-width', f'at {width} px: {w["by"]} px wider than the column: "{w["text"][:60]}"' + (f' (near #{w["where"]})' if w['where'] else ''))
            counts[f'frames{width}'] += L['frames']
            for w in L['sideways']:
                F(page_path, 'sideways', f'at {width} px: {w["el"]} hides {w["by"]} px: "{w["text"]}"'
                                         + (f' (near #{w["where"]})' if w['where'] else ''))
            for w in L['cut']: F(page_path, 'cut-off', f'at {width} px: {w["el"]} cuts {w["by"]} px: "{w["text"]}"' + (f' (near #{w["where"]})' if w['where'] else ''))
            if L['pageWidth'] > L['vw'] + 1:
                F(page_path, 'page-width', f'at {width} px the page is {L["pageWidth"]} px wide; widest: ' + '; '.join(f'{d["el"]} "{d["text"][:40]}"' for d in L['widest']))
        ph = lay[PHONE]['menu']
        if ph['sidebarVisible']: F(page_path, 'phone-menu', 'the sidebar shows on the first screen')
        if not ph['toggle']: F(page_path, 'phone-menu', 'no visible menu button (button.sidebar-toggle)')
        if not ph['titleVisible']: F(page_path, 'phone-menu', "the page's title is not in the top of the first screen")
        if 'toggleWorks' in lay[PHONE] and lay[PHONE]['toggleWorks'] is not True: F(page_path, 'phone-menu', f'the menu button: {lay[PHONE]["toggleWorks"]}')
        if not lay[PHONE]['searchVisible']: F(page_path, 'search', f'no search box or button visible at {PHONE} px')
        for rule, msg in first_screen_failures(page_path, page2src.get(page_path, ''), r['first']):
            F(page_path, rule, msg)
        if page_path == 'index.html' or page_path in PAGE_HEIGHT:   # the measures, printed whether they pass or not
            f = r['first']
            end = lambda w: (f[w].get('command') or {}).get('bottom')
            if page_path == 'index.html':
                print(f"[check] landing page: the quick start's commands end at y = {end(DESKTOP)} ({DESKTOP} px) "
                      f"and {end(PHONE)} ({PHONE} px)")
            else:
                print(f"[check] {page_path}: {f[DESKTOP]['height']} px long at {DESKTOP} px "
                      f"(at most {PAGE_HEIGHT[page_path]})")
    for label, by in colors.items():   # one colour per variant across the site (figures record their legends' colours)
        if len(by) > 1:
            pages = sorted(set().union(*by.values()))
            F(pages[0], 'variant-color', f'"{label}" is drawn in ' + ', '.join(f'{c} on {", ".join(sorted(ps))}' for c, ps in by.items()))
    for q, how, res in search_checks:
        if res is not True: F(q, 'search-answer' if how == 'answer' else 'search', f'({how}) {res}')
    if copy_check and copy_check[1] is not True: F(copy_check[0], 'copy', copy_check[1])
    if not only:
        for page_path in api:
            if page_path not in results: F(page_path, 'api-entry', 'documented in _modidx, but the page is missing')
        if 'index.html' not in results: F('index.html', 'load', 'no landing page index.html')
        elif QUICKSTART not in results['index.html']['text']: F('index.html', 'load', f'does not show the quick start ({QUICKSTART!r})')
        side_text = {s['text'].lower() for r in results.values() for s in r['sidebar']}
        for need in ('changelog', 'api'):
            if not any(need in t for t in side_text): F('site', 'navigation', f'no {need} page in the sidebar')
    print(f'[check] {len(results)} pages at {DESKTOP} and {PHONE} px in {browse_s:.0f} s: {counts["images"]} images '
          f'({counts["figures"]} PNG figures), {counts["links"]} internal links ({counts["anchors"]} to anchors), '
          f'{counts["math"]} formulas ({counts[f"frames{DESKTOP}"]} at {DESKTOP} px and '
          f'{counts[f"frames{PHONE}"]} at {PHONE} px scroll in a frame), {counts["api"]} API entries expected '
          f'({counts["entries"]} shown), {counts["code"]} code blocks'
          + (f'; screenshots in {shots}' if screenshots else ''))
    return fails

def try_toggle(pg) -> bool|str:
    "Open the phone menu with its button; it must show the sidebar, and close it again."
    try:
        b = pg.query_selector('button.sidebar-toggle')
        if not b or not b.is_visible(): return 'no visible button.sidebar-toggle'
        b.click(); pg.wait_for_timeout(150)
        if not pg.evaluate("() => { const s = document.querySelector('#sidebar'); const r = s.getBoundingClientRect(); return getComputedStyle(s).display !== 'none' && r.width > 0 && r.height > 0 && r.left >= -1; }"):
            return 'clicking it does not show the sidebar'
        under = pg.evaluate("() => { const r = document.querySelector('#sidebar').getBoundingClientRect(), n = document.querySelector('.navbar');"
                            " return n ? Math.round(n.getBoundingClientRect().bottom - r.top) : 0; }")
        if under > 1: return f'the open menu starts {under} px under the navbar (its first entries are hidden)'
        b.click(); pg.wait_for_timeout(150)
        if pg.evaluate("() => { const s = document.querySelector('#sidebar'); const r = s.getBoundingClientRect(); return getComputedStyle(s).display !== 'none' && r.width > 0 && r.left >= 0 && r.top < innerHeight; }"):
            return 'clicking it again does not hide the sidebar'
        return True
    except Exception as e: return f'{type(e).__name__}: {e}'

def try_copy(pg) -> bool|str:
    "Click the first copy button: the clipboard must then hold that block's code."
    try:
        d = pg.query_selector('#content div.sourceCode:has(button.copy-button)')
        want = pg.evaluate("d => d.querySelector('pre').textContent", d)
        d.hover(); d.query_selector('button.copy-button').click(); pg.wait_for_timeout(200)
        got = pg.evaluate('() => navigator.clipboard.readText()')
        return True if got.strip() == want.strip() else f'the clipboard holds {got[:60]!r}, not {want[:60]!r}'
    except Exception as e: return f'{type(e).__name__}: {str(e)[:200]}'

def try_search(ctx, url:str, want:dict|None) -> bool|str:
    "Type a page's title into the search box of the page at `url`: a result must link to that page."
    if not want: return True
    pg = ctx.new_page()
    errs = []
    pg.on('pageerror', lambda e: errs.append(str(e)))
    try:
        pg.goto(url, wait_until='load', timeout=60_000)
        inp = pg.query_selector('#search input')
        if not inp: return 'no search box'
        if not inp.is_visible():
            t = pg.query_selector('button.search-toggle')
            if t: t.click()
        query = ' '.join(re.sub(r'[^\w\s-]', ' ', want['title']).split()[:3])
        inp.fill(query)
        try: pg.wait_for_selector('#search-results a', timeout=5_000)
        except Exception: return f'no results for {query!r}' + (f' ({errs[0]})' if errs else '')
        hrefs = pg.eval_on_selector_all('#search-results a', 'as => as.map(a => a.href)')
        page = want['page']
        if not any(unquote(urlsplit(h).path).endswith('/' + page) for h in hrefs):
            return f'no result for {query!r} links to {page} (got {[unquote(urlsplit(h).path) for h in hrefs[:3]]})'
        return True
    except Exception as e: return f'{type(e).__name__}: {str(e)[:200]}'
    finally: pg.close()

def heading_probes(site:Path, pages:list[str], n:int=3) -> list[dict]:
    """Up to `n` sections of `pages` whose heading, typed into search, must come first: headings of two words or more
    that no other section's heading or page title contains (spread over the site, read from its search index)."""
    f = site / 'search.js'
    if not f.exists(): return []
    ix = json.loads(f.read_text().split('=', 1)[1].strip().rstrip(';'))
    heads = [(ix['pages'][p][0], a, h) for p, a, h, *_ in ix['sections']]
    low = [h.lower() for _, _, h in heads] + [t.lower() for _, t, *_ in ix['pages']]
    ok = [(pg, a, h) for pg, a, h in heads if pg in pages and a and len(h.split()) >= 2 and sum(h.lower() in o for o in low) == 1]
    return [dict(page=pg, anchor=a, heading=h) for pg, a, h in ok[::max(1, len(ok) // n)][:n]]

def try_ranking(ctx, url:str, probe:dict) -> bool|str:
    "Type `probe`'s heading into the search box of the page at `url`: the first result must be that very section."
    pg = ctx.new_page()
    try:
        pg.goto(url, wait_until='load', timeout=60_000)
        inp = pg.query_selector('#search input')
        if not inp: return 'no search box'
        inp.fill(probe['heading'])
        try: pg.wait_for_selector('#search-results a', timeout=5_000)
        except Exception: return f'no results for {probe["heading"]!r}'
        first = unquote(pg.eval_on_selector('#search-results a', 'a => a.getAttribute("href")'))
        if not first.endswith(f"{probe['page']}#{probe['anchor']}"):
            return f'for {probe["heading"]!r} the first result is {first}, not its section {probe["page"]}#{probe["anchor"]}'
        return True
    except Exception as e: return f'{type(e).__name__}: {str(e)[:200]}'
    finally: pg.close()

def try_questions(ctx, url:str, questions:list[tuple[str, str]]) -> list[tuple]:
    "Type each question into the search box of the page at `url`: its first result must be its answer (section, page)."
    pg, res = ctx.new_page(), []
    try:
        pg.goto(url, wait_until='load', timeout=60_000)
        for q, want in questions:
            pg.evaluate("() => { document.querySelector('#search-results').innerHTML = ''; }")
            pg.fill('#search input', q)
            try: pg.wait_for_selector('#search-results a', timeout=5_000)
            except Exception: res.append((want.split('#')[0], 'answer', f'no results for {q!r}')); continue
            href = urlsplit(pg.eval_on_selector('#search-results a', 'a => a.href'))
            first = unquote(href.path.lstrip('/') + (f'#{href.fragment}' if '#' in want else ''))
            res.append((want.split('#')[0], 'answer',
                        True if first == want else f'for {q!r} the first result is {first}, not {want}'))
    except Exception as e: res.append(('site', 'answer', f'{type(e).__name__}: {str(e)[:200]}'))
    finally: pg.close()
    return res

def find_chromium(path=None) -> str:
    for c in (path, os.environ.get('CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'), '/usr/bin/chromium'):
        if c and Path(c).exists(): return c
    sys.exit('[check] Chromium not found: `apt-get install -y chromium` (or pass --chromium PATH)')

def report(fails:list[tuple], npages:int) -> str:
    "Failures grouped: a rule failing identically on every page once under 'site-wide', then by page and rule."
    lines = []
    by_msg = defaultdict(set)
    for page, rule, msg in fails: by_msg[(rule, re.sub(r'^at \d+ px: ', '', msg))].add(page)
    sitewide = {k for k, ps in by_msg.items() if npages > 2 and len(ps) == npages}
    if sitewide:
        lines.append(f'[check] FAIL site-wide (on all {npages} pages):')
        for rule, msg in sorted(sitewide): lines.append(f'    {rule}: {RULES.get(rule, "")}\n        {msg}')
    by_page = defaultdict(lambda: defaultdict(list))
    for page, rule, msg in fails:
        if (rule, re.sub(r'^at \d+ px: ', '', msg)) in sitewide: continue
        if msg not in by_page[page][rule]: by_page[page][rule].append(msg)
    for page in sorted(by_page):
        n = sum(len(v) for v in by_page[page].values())
        lines.append(f'[check] FAIL {page}: {n} problem{"s" * (n != 1)}')
        for rule, msgs in sorted(by_page[page].items()):
            lines.append(f'    {rule} ({len(msgs)}): {RULES.get(rule, "")}')
            lines += [f'        {m}' for m in msgs[:EXCERPTS]]
            if len(msgs) > EXCERPTS: lines.append(f'        ... and {len(msgs) - EXCERPTS} more')
    return '\n'.join(lines)

def self_test():
    "The pure rules on made-up inputs (run by tools/check_site.sh before the browser check)."
    seg = lambda kind, text, entry=False, code=None: {'kind': kind, 'text': text, 'where': 'h', 'entry': entry,
                                                      'code': kind in ('code', 'source') if code is None else code}
    rules = lambda *segs, **kw: sorted({r for r, _ in text_failures(list(segs), **kw)})
    assert rules(seg('output', 'epoch 3  100.00% [5/5 00:01<00:00]')) == ['progress-bar']
    assert rules(seg('output', ' |████████████| 50/50')) == ['progress-bar']
    assert rules(seg('output', 'x.py:3: FutureWarning: gone soon')) == ['warning']
    assert rules(seg('prose', 'a FutureWarning is what torch.jit prints')) == []             # prose may name warnings
    assert rules(seg('output', 'saved to /tmp/tmpab12/run.json')) == ['local-path']
    assert rules(seg('source', "Path('/work/main/nbs')")) == ['local-path']
    assert rules(seg('output', '.venv/lib/python3.11/site-packages/torch/x.py')) == ['local-path']
    assert rules(seg('prose', 'runs under runs/fmnist/ and ~/.cache/bnreg_nb')) == []
    assert rules(seg('prose', 'see [`fixup_`](03_fixup.ipynb) above')) == ['markdown-as-text']
    assert rules(seg('code', '[text](page.ipynb)')) == []                                     # code shows markdown
    assert rules(seg('output', '[text](page.ipynb)', code=True)) == []
    assert rules(seg('output', 'x.py:3: UserWarning: shadowing', code=True)) == ['warning']   # a stream output is <pre>
    assert rules(seg('code', 'source .venv/bin/activate')) == []                              # the project's own venv
    assert rules(seg('code', 'fails on /work/, /tmp/, .venv/, site-packages')) == []          # naming the rule
    assert rules(seg('code', '10^6')) == []                                                  # code, not math
    assert rules(seg('prose', 'about 10^6 parameters')) == ['raw-exponent']
    assert rules(seg('math', '10^6')) == [] and rules(seg('source', 'x = 2^3')) == []
    assert rules(seg('prose', 'lr 1e-3, 5 % of 10 epochs, [0.97, 1.01]')) == []
    assert rules(seg('source', 'scaler_state:NoneType=None')) == []                           # only in outputs
    assert rules(seg('output', 'x:NoneType=None', entry=True)) == ['NoneType']
    ev = ['before_fit', 'after_batch']
    assert 'event-params' in rules(seg('output', 'def Cb(\n *, before_fit:NoneType=None, after_batch=None', entry=True, code=True), events=ev)
    assert rules(seg('code', 'def before_fit(self): pass'), events=ev) == []                 # a code cell's own callback
    bd = builtin_docs()
    assert any(d.startswith('Common base class for all non-exit exceptions') for d in bd), bd[:5]
    assert rules(seg('output', 'Common base class for all non-exit exceptions.', entry=True), bdocs=bd) == ['builtin-doc']
    t = lambda heads, firsts: {'heads': heads, 'firsts': firsts, 'cols': ['', 'a'], 'where': ''}
    assert len(pandas_index([t([''], ['0', '1', '2'])])) == 1
    assert pandas_index([t(['', 'epoch'], ['0', '1'])]) == []                                 # a named index
    assert pandas_index([t(['variant'], ['0', '1'])]) == [] and pandas_index([t([''], ['1', '2'])]) == []
    acc = lambda name, values: [{'acc': [{'name': name, 'values': values}], 'where': ''}]
    assert len(accuracy_fractions(acc('top1', ['0.912', '0.5', '–']))) == 1
    assert accuracy_fractions(acc('top1', ['91.2', '50.0'])) == [] and accuracy_fractions(acc('top1', ['0.9', 'n/a'])) == []
    # PNG text chunks, as matplotlib writes them
    import io, matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(2, 1), dpi=100); fig.text(.1, .5, 'x', fontsize=11)
    buf = io.BytesIO(); fig.savefig(buf, format='png', metadata={'bnreg:font-pt': '11', 'bnreg:dpi': '100'}); plt.close(fig)
    ch = png_text(buf.getvalue())
    assert ch['bnreg:font-pt'] == '11' and ch['bnreg:dpi'] == '100', ch
    assert abs(figure_text_px(ch, 700, 700) - 11 * 100 / 72) < 1e-9
    assert figure_text_px(ch, 700, 350) < MIN_TEXT_PX < figure_text_px(ch, 700, 700)
    assert figure_text_px({'bnreg:font-pt': 'none', 'bnreg:dpi': '100'}, 1, 1) is None
    try: figure_text_px({}, 1, 1); raise AssertionError('a PNG without records must fail')
    except KeyError: pass
    assert png_text(b'GIF89a') == {}
    r = report([('a.html', 'warning', 'x'), ('b.html', 'search', 'no search box'), ('a.html', 'search', 'no search box'),
                ('c.html', 'search', 'no search box')], 3)
    assert 'site-wide' in r and r.count('no search box') == 1 and 'FAIL a.html: 1 problem' in r, r
    src2page = {'03_fixup.ipynb': 'fixup.html', 'index.ipynb': 'index.html', 'reproductions/paper.ipynb': 'reproductions/paper.html'}
    assert select_pages(list(src2page.values()), src2page, '03_fixup, index,reproductions/paper') == list(src2page.values())
    assert select_pages(['fixup.html'], src2page, 'fixup') == ['fixup.html']
    assert variant_of('bn') == variant_of('BatchNorm') == 'batchnorm' and variant_of('fixup') == 'fixup'   # any case
    assert variant_of('Fixup + Dropout 0.3') == 'fixup + dropout' and variant_of('ghost 32') != variant_of('ghost 8')
    assert variant_of('no normalization (He init)') == 'no normalization' and variant_of('epoch') is None
    assert color_key('bn') == color_key('BatchNorm') and color_key('NF-ResNet, measured') == 'nf-resnet, measured'
    assert color_key('$\\propto 1/\\sqrt{B}$') is None
    two = {'ghost 8': '#bcbd22', 'ghost 32': '#bcbd22', 'BatchNorm': '#1f77b4'}
    assert shared_colors(two) == ['"ghost 8" and "ghost 32" in #bcbd22']
    assert shared_colors({'NF-ResNet, measured': '#393b79', 'NF-ResNet, predicted': '#393b79', 'x': '#393b79'}) == []
    assert 'SHELL_BLOCKS' not in LAYOUT and all(f"pre.{lang}" in LAYOUT for lang in SHELLS)   # command-cut reads build_site's shells
    # first screens: the opening box, the landing page's findings and commands, a chapter's length
    box = lambda top, first=True, command=True: {'top': top, 'bottom': top + 200, 'first': first, 'command': command}
    fine = {w: {'height': 9_000, 'box': box(300)} for w in FIRST_SCREEN}
    assert first_screen_failures('fixup.html', '03_fixup.ipynb', fine) == []
    assert first_screen_failures('changelog.html', 'changelog.qmd', {w: {'height': 1} for w in FIRST_SCREEN}) == []
    bad = {DESKTOP: {'height': 40_000, 'box': box(900, first=False, command=False)}, PHONE: {'height': 1}}
    got = first_screen_failures('train.html', '10_train.ipynb', bad)
    assert sorted(r for r, _ in got) == ['opening-box'] * 4 + ['page-length'], got
    long_ok = {w: {**m, 'height': 17_000} for w, m in fine.items()}
    assert first_screen_failures('train.html', '10_train.ipynb', long_ok) == []
    land = lambda end, wrapped=(): {'height': 8_000, 'findings': {'top': 300, 'bottom': end - 100},
                                    'command': {'top': end - 60, 'bottom': end, 'wrapped': list(wrapped)}}
    assert first_screen_failures('index.html', 'index.ipynb', {DESKTOP: land(790), PHONE: land(840)}) == []
    got = first_screen_failures('index.html', 'index.ipynb',
                                {DESKTOP: land(975), PHONE: land(840, ['bash bootstrap.sh x -m'])})
    assert [r for r, _ in got] == ['first-screen'] * 3 and 'y = 975' in got[1][1] and 'wraps' in got[2][1], got
    assert 'OPENING_BOX' not in FIRST and OPENING_BOX in FIRST and QUICKSTART in FIRST
    print('[check] self-test passed')

FLAGS = dict(   # the command's flags, in the package's one style (bnreg_nb.core: a Flag table, add_flags)
    site=Flag(str, None, 'the built site (default: _docs)'),
    pages=Flag(str, None, 'check only these pages: notebook stems such as 03_fixup,index (or page names)'),
    chromium=Flag(str, None, 'Chromium executable (default: chromium on PATH)'),
    screenshots=Flag(bool, True, 'screenshot every page at both widths into <site>/_screenshots (--no-screenshots: faster)'),
    self_test=Flag(bool, False, 'test the rules themselves (no browser) and exit'),
    nbs=Flag(str, None, argparse.SUPPRESS),                                 # the notebooks of another site (tests)
)

def main(argv=None):
    a = add_flags(argparse.ArgumentParser(description=__doc__.split('\n\n')[0]), FLAGS).parse_args(argv)
    if a.self_test: self_test(); return
    try: import playwright  # noqa: F401
    except ImportError: sys.exit('[check] Playwright is missing: `bash tools/check_site.sh` installs it (pinned in constraints.txt)')
    site = Path(a.site or ROOT / '_docs').resolve()
    t0 = time.time()
    fails = check(site, find_chromium(a.chromium), site / '_screenshots', nbs=a.nbs, only=a.pages, screenshots=a.screenshots is not False)
    npages = len({p for p, _, _ in fails}) and len(select_pages(sorted(str(p.relative_to(site)) for p in site.rglob('*.html') if '_screenshots' not in p.parts),
                                                                {p['source']: p['page'] for p in json.loads((site / 'site.json').read_text())['pages']}, a.pages))
    if fails: print(report(fails, npages))
    n_pages = len({p for p, _, _ in fails})
    print(f'[check] {"FAILED: " + str(len(fails)) + " problems on " + str(n_pages) + " pages" if fails else "site OK"} ({time.time() - t0:.1f} s)')
    sys.exit(1 if fails else 0)

if __name__ == '__main__': main()
