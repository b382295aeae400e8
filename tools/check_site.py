#!/usr/bin/env python
"""Check the built documentation site in a real browser (headless Chromium driven by Playwright).

    python tools/check_site.py [--site _docs] [--chromium /usr/bin/chromium]

Serves the site on 127.0.0.1, opens every page, and fails (exit 1) unless
- every page loads without console errors, page errors, failed requests or HTTP errors;
- every image is displayed, with a non-zero natural and rendered size;
- every internal link resolves: its file exists and its #anchor is an id on the target page;
- every notebook in nbs/ has its page, and every page shows the whole sidebar of nbs/sidebar.yml, with itself
  marked, and a table of contents listing every heading of levels 1-3 of its content;
- every exported function and class (bnreg_nb/_modidx.py) has its API entry on its page;
- every formula is typeset by KaTeX, without error;
- the landing page shows the quick-start command (`bash bootstrap.sh`).
Screenshots of the landing page and of the Fixup chapter go to <site>/_screenshots/.
`bash tools/check_site.sh` installs what this needs, builds the site and runs it.
"""
from __future__ import annotations
import argparse, functools, http.server, importlib, json, os, re, shutil, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
SHOTS = {'index.html': 'landing', '03_fixup.ipynb': 'fixup', '01_demo.ipynb': 'demo'}  # pages to photograph
QUICKSTART = 'bash bootstrap.sh'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']

def serve(site:Path):
    "A quiet static server for `site` on a free port of 127.0.0.1."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}'

PROBE = r"""() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const main = document.querySelector('#content');
  const hs = main ? [...main.querySelectorAll('h1,h2,h3')].filter(h => !h.classList.contains('title')) : [];
  const txt = el => { const c = el.cloneNode(true); c.querySelectorAll('.anchor-link').forEach(a => a.remove()); return c.textContent.trim(); };
  return {
    images: [...document.images].map(i => ({src: i.getAttribute('src').slice(0, 120), complete: i.complete,
      nw: i.naturalWidth, nh: i.naturalHeight, w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height})),
    links: [...document.querySelectorAll('a[href], link[href], img[src], script[src]')].map(e => ({
      tag: e.tagName.toLowerCase(), raw: e.getAttribute('href') ?? e.getAttribute('src'), url: e.href || e.src})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    sidebar: [...document.querySelectorAll('#sidebar a[href]')].map(a => ({url: a.href, active: a.classList.contains('active')})),
    toc: [...document.querySelectorAll('#toc a[href^="#"]')].map(a => a.getAttribute('href').slice(1)),
    headings: hs.map(h => h.id),
    headingText: [...(main ? main.querySelectorAll('h1,h2,h3,h4,h5,h6') : [])].map(txt),
    math: document.querySelectorAll('span.math').length,
    typeset: document.querySelectorAll('span.math .katex').length,
    mathErrors: [...document.querySelectorAll('.katex-error')].map(e => e.getAttribute('title') || e.textContent),
    text: main ? main.innerText : '',
    title: document.title,
  };
}"""

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

def check(site:Path, chromium:str, shots:Path, nbs:Path=None) -> list[str]:
    from playwright.sync_api import sync_playwright
    from nbdev.config import get_config, nbpath2html
    os.chdir(ROOT)
    cfg = get_config()
    own = nbs is None or Path(nbs).resolve() == cfg.nbs_path.resolve()
    nbs = cfg.nbs_path if own else Path(nbs).resolve()
    fails = []
    manifest = json.loads((site / 'site.json').read_text()) if (site / 'site.json').exists() else {'pages': []}
    src2page = {p['source']: p['page'] for p in manifest['pages']}
    pages = sorted(str(p.relative_to(site)) for p in site.rglob('*.html') if '_screenshots' not in p.parts)
    if not pages: return [f'no pages in {site}: build it with `python tools/build_site.py`']

    # every notebook has its page
    for nb in sorted(nbs.rglob('*.ipynb')):
        rel = nb.relative_to(nbs)
        if any(s[0] in '_.' for s in rel.parts): continue
        page = src2page.get(str(rel), str(nbpath2html(rel)))
        if page not in pages: fails.append(f'nbs/{rel} has no page ({page})')
    side_pages = {src2page.get(h, str(nbpath2html(Path(h)))) for h in sidebar_sources(nbs)}
    api = expected_api() if own else {}

    srv, base = serve(site)
    results, counts = {}, dict(images=0, links=0, anchors=0, math=0, api=0)
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory(prefix='bnreg-chromium-') as prof:
            ctx = p.chromium.launch_persistent_context(prof, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
                                                       viewport={'width': 1400, 'height': 1000})
            for page_path in pages:
                pg = ctx.new_page()
                errs = []
                pg.on('console', lambda m, errs=errs: errs.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
                pg.on('pageerror', lambda e, errs=errs: errs.append(f'page error: {e}'))
                pg.on('requestfailed', lambda r, errs=errs: errs.append(f'request failed: {r.url} ({r.failure})'))
                pg.on('response', lambda r, errs=errs: errs.append(f'HTTP {r.status}: {r.url}') if r.status >= 400 else None)
                url = f'{base}/{page_path}'
                try:
                    resp = pg.goto(url, wait_until='load', timeout=60_000)
                    pg.wait_for_load_state('networkidle', timeout=30_000)
                except Exception as e:
                    fails.append(f'{page_path}: did not load: {e}'); pg.close(); continue
                if resp is None or not resp.ok: errs.append(f'HTTP {resp.status if resp else "?"} for the page itself')
                name = SHOTS.get(page_path) or next((v for k, v in SHOTS.items() if src2page.get(k) == page_path), None)
                if name:
                    shots.mkdir(parents=True, exist_ok=True)
                    pg.screenshot(path=str(shots / f'{name}.png'))
                    pg.screenshot(path=str(shots / f'{name}-full.png'), full_page=True)
                r = pg.evaluate(PROBE)
                pg.close()
                r['errors'] = errs
                results[page_path] = r
            ctx.close()
    finally:
        srv.shutdown()

    ids = {k: set(v['ids']) for k, v in results.items()}
    for page_path, r in results.items():
        where = f'{page_path}:'
        fails += [f'{where} {e}' for e in r['errors']]
        for im in r['images']:
            counts['images'] += 1
            if not (im['complete'] and im['nw'] > 0 and im['nh'] > 0 and im['w'] > 0 and im['h'] > 0):
                fails.append(f'{where} image not displayed: {im}')
        for l in r['links']:
            parts = urlsplit(l['url'])
            if not l['url'].startswith(base): continue
            counts['links'] += 1
            path = unquote(parts.path).lstrip('/') or 'index.html'
            target = site / path
            if target.is_dir(): target, path = target / 'index.html', f'{path.rstrip("/")}/index.html'.lstrip('/')
            if not target.is_file(): fails.append(f'{where} broken link {l["raw"]!r} ({path} does not exist)'); continue
            if parts.fragment and l['tag'] == 'a':
                counts['anchors'] += 1
                frag = unquote(parts.fragment)
                if path.endswith('.html') and frag not in ids.get(path, set()):
                    fails.append(f'{where} broken anchor {l["raw"]!r} (no id {frag!r} in {path})')
        # navigation: the whole sidebar, this page marked; a complete table of contents
        got = {unquote(urlsplit(s['url']).path).lstrip('/') for s in r['sidebar']}
        if missing := side_pages - got: fails.append(f'{where} sidebar lacks {sorted(missing)}')
        active = [unquote(urlsplit(s['url']).path).lstrip('/') for s in r['sidebar'] if s['active']]
        if page_path in side_pages and active != [page_path]: fails.append(f'{where} sidebar marks {active}, not this page')
        if r['toc'] != r['headings']: fails.append(f'{where} table of contents {r["toc"]} != headings {r["headings"]}')
        counts['math'] += r['math']
        if r['typeset'] != r['math']: fails.append(f'{where} {r["math"] - r["typeset"]} of {r["math"]} formulas not typeset')
        fails += [f'{where} KaTeX error: {e}' for e in r['mathErrors']]
        for name in api.get(page_path, []):
            counts['api'] += 1
            if name not in r['headingText']: fails.append(f'{where} no API entry (show_doc heading) for {name}')
    for page_path in api:
        if page_path not in results: fails.append(f'{page_path}: documented in _modidx, but the page is missing')
    if 'index.html' not in results: fails.append('no landing page index.html')
    elif QUICKSTART not in results['index.html']['text']: fails.append(f'index.html does not show the quick start ({QUICKSTART!r})')
    print(f'[check] {len(results)} pages, {counts["images"]} images, {counts["links"]} internal links '
          f'({counts["anchors"]} to anchors), {counts["math"]} formulas, {counts["api"]} API entries; screenshots in {shots}')
    return fails

def find_chromium(path=None) -> str:
    for c in (path, os.environ.get('CHROMIUM'), shutil.which('chromium'), shutil.which('chromium-browser'), '/usr/bin/chromium'):
        if c and Path(c).exists(): return c
    sys.exit('[check] Chromium not found: `apt-get install -y chromium` (or pass --chromium PATH)')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--site', default=str(ROOT / '_docs'), help='the built site (default: _docs)')
    ap.add_argument('--chromium', help='Chromium executable (default: chromium on PATH)')
    ap.add_argument('--nbs', help=argparse.SUPPRESS)                       # the notebooks of another site (tests)
    a = ap.parse_args(argv)
    try: import playwright  # noqa: F401
    except ImportError: sys.exit('[check] Playwright is missing: `bash tools/check_site.sh` installs it (pinned in constraints.txt)')
    site = Path(a.site).resolve()
    t0 = time.time()
    fails = check(site, find_chromium(a.chromium), site / '_screenshots', nbs=a.nbs)
    for f in fails: print(f'[check] FAIL {f}')
    print(f'[check] {"FAILED: " + str(len(fails)) + " problems" if fails else "site OK"} ({time.time() - t0:.1f} s)')
    sys.exit(1 if fails else 0)

if __name__ == '__main__': main()
