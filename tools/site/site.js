/* The offline site's reader tools (tools/build_site.py): the phone menu, copy buttons, the table of contents,
   tables stacked on phones, and full-text search.
   Plain JavaScript, no libraries, nothing fetched from elsewhere: the search index is a script of its own
   (search.js, written at build time), so it loads from file:// as well as over http. */
(() => {
  'use strict';
  const root = document.documentElement.dataset.root || '.';

  /* the chapter menu behind a button on narrow screens */
  const toggle = document.querySelector('button.sidebar-toggle');
  const setMenu = open => {
    document.body.classList.toggle('sidebar-open', open);
    if (toggle) toggle.setAttribute('aria-expanded', String(open));
  };
  if (toggle) toggle.addEventListener('click', () => setMenu(!document.body.classList.contains('sidebar-open')));
  document.addEventListener('keydown', e => { if (e.key === 'Escape') { setMenu(false); closeResults(); } });
  document.querySelectorAll('#sidebar a').forEach(a => a.addEventListener('click', () => setMenu(false)));

  /* a copy button on every code block of the page (not on outputs or API signatures) */
  const copyText = async text => {
    try { await navigator.clipboard.writeText(text); return true; }
    catch (e) {                                     // no clipboard API (an insecure context): the old way
      const ta = document.createElement('textarea');
      ta.value = text; ta.setAttribute('readonly', ''); ta.style.position = 'fixed'; ta.style.opacity = '0';
      document.body.appendChild(ta); ta.select();
      let ok = false; try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      ta.remove(); return ok;
    }
  };
  document.querySelectorAll('#content div.sourceCode').forEach(block => {
    if (block.closest('.cell-output') || block.closest('.doc-entry')) return;
    const pre = block.querySelector('pre');
    if (!pre) return;
    const b = document.createElement('button');
    b.type = 'button'; b.className = 'copy-button'; b.textContent = 'Copy'; b.setAttribute('aria-label', 'Copy this code');
    b.addEventListener('click', async () => {
      const ok = await copyText(pre.textContent.replace(/\n$/, ''));
      b.textContent = ok ? 'Copied' : 'Press Ctrl+C';
      setTimeout(() => { b.textContent = 'Copy'; }, 1500);
    });
    block.classList.add('has-copy');
    block.appendChild(b);
  });

  /* a link to something inside a folded part (a test section, a test, the rest of an output) opens it first */
  const reveal = id => {
    let t = null;
    try { t = id && document.getElementById(decodeURIComponent(id)); } catch (e) { t = null; }
    for (let d = t && t.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) d.open = true;
    return t;
  };
  document.addEventListener('click', e => {
    const a = e.target.closest && e.target.closest('a[href^="#"]');
    if (a) reveal(a.getAttribute('href').slice(1));
  }, true);
  const toHash = () => {
    const t = location.hash.length > 1 && reveal(location.hash.slice(1));
    if (t) t.scrollIntoView();
  };
  window.addEventListener('hashchange', toHash);
  toHash();

  /* the table of contents follows the scroll: the section being read is marked */
  const tocLinks = [...document.querySelectorAll('#toc a[href^="#"]')];
  const targets = tocLinks.map(a => document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))).filter(Boolean);
  const spy = () => {
    const y = (parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--navbar-h')) || 56) + 24;
    let cur = null;
    for (const t of targets) { if (t.getBoundingClientRect().top <= y) cur = t; else break; }
    tocLinks.forEach(a => a.classList.toggle('active', !!cur && a.getAttribute('href') === '#' + cur.id));
  };
  if (targets.length) { let tick = false; window.addEventListener('scroll', () => { if (!tick) { tick = true; requestAnimationFrame(() => { tick = false; spy(); }); } }, {passive: true}); spy(); }

  /* on narrower screens, where the side table of contents is hidden, the same list folds open under the title */
  const tocList = document.querySelector('#toc > ul');
  const header = document.querySelector('#content .page-header') || document.querySelector('#content h1.title');
  if (tocList && header && tocLinks.length > 1) {
    const d = document.createElement('details');
    d.className = 'toc-inline';
    d.innerHTML = '<summary>On this page</summary>';
    d.appendChild(tocList.cloneNode(true));
    // after the title; on the landing page after its first screen's answer: the findings and the quick start's commands
    const findings = document.querySelector('#content .findings');
    const cells = findings && [...document.querySelectorAll('#content > .cell-markdown')];
    const start = cells && cells.findIndex(c => c.contains(findings));
    const after = cells && cells.slice(start).find(c => c.querySelector('div.sourceCode'));
    (after || header).insertAdjacentElement('afterend', d);
  }

  /* on a phone, a table wider than the column becomes one card per row, each cell labelled with its column's header:
     every column shows without scrolling sideways. Tables that fit, and every table on a wider screen, stay tables. */
  const PHONE_MAX = 767;                           // px, as the @media rule of site.css
  const place = rows => {                          // each cell's column, with colspans and rowspans laid on a grid
    const taken = [];
    rows.forEach((tr, r) => {
      let c = 0;
      for (const cell of tr.cells) {
        while ((taken[r] || [])[c]) c++;
        for (let i = 0; i < (cell.rowSpan || 1); i++) for (let j = 0; j < (cell.colSpan || 1); j++) (taken[r + i] = taken[r + i] || [])[c + j] = cell;
        cell.dataset.col = c; c += cell.colSpan || 1;
      }
    });
    return taken;
  };
  const label = t => {                             // a header of several rows (pandas' index names, grouped columns) joins its texts
    if (t.dataset.labelled) return;
    t.dataset.labelled = '1';
    const head = place(t.tHead ? [...t.tHead.rows] : []), names = [];
    head.forEach(row => row.forEach((cell, c) => {
      const s = cell.textContent.trim();
      if (s && !(names[c] || []).includes(s)) (names[c] = names[c] || []).push(s);
    }));
    for (const body of t.tBodies) {
      place([...body.rows]);
      for (const cell of body.querySelectorAll('td, th')) {
        const n = names[+cell.dataset.col];
        if (!n || !cell.childNodes.length) continue;   // an empty cell stays empty (site.css hides it in a card)
        cell.dataset.label = n.join(' · ');
        const v = document.createElement('span');   // the value in one box, beside its label (an inline element alone would be a box of its own)
        v.className = 'cell-value'; v.append(...cell.childNodes); cell.append(v);
      }
    }
  };
  const tables = [...document.querySelectorAll('#content table')];
  const stack = () => tables.forEach(t => {
    t.classList.remove('stacked');
    if (window.innerWidth > PHONE_MAX || t.scrollWidth <= t.clientWidth + 1) return;
    label(t); t.classList.add('stacked');
  });
  if (tables.length) { stack(); let tick = false; window.addEventListener('resize', () => { if (!tick) { tick = true; requestAnimationFrame(() => { tick = false; stack(); }); } }); }

  /* display math wider than the column shrinks to fit, to MATH_MIN of its size at most; what still does not fit
     scrolls in a visible frame (site.css .scroll-frame), so that a reader sees there is more */
  const MATH_MIN = 0.75;
  const maths = [...document.querySelectorAll('#content .math.display')];
  const fit = () => maths.forEach(m => {
    m.classList.remove('scroll-frame'); m.style.fontSize = '';
    if (m.scrollWidth <= m.clientWidth + 1) return;
    m.style.fontSize = Math.max(MATH_MIN, 0.98 * m.clientWidth / m.scrollWidth) + 'em';
    if (m.scrollWidth > m.clientWidth + 1) m.classList.add('scroll-frame');
  });
  if (maths.length) {
    fit();
    let tick = false;
    window.addEventListener('resize', () => {
      if (!tick) { tick = true; requestAnimationFrame(() => { tick = false; fit(); }); }
    });
  }

  /* search: the index is loaded the first time the box is used */
  const box = document.querySelector('#search input');
  const out = document.querySelector('#search-results');
  if (!box || !out) return;
  let index = null, loading = null, avgX = 1, avgK = 1;
  const load = () => loading || (loading = new Promise((resolve, reject) => {
    if (window.BNREG_SEARCH) return resolve(window.BNREG_SEARCH);
    const s = document.createElement('script');
    s.src = root + '/search.js';
    s.onload = () => resolve(window.BNREG_SEARCH);
    s.onerror = () => reject(new Error('search.js did not load'));
    document.head.appendChild(s);
  }).then(ix => {
    index = ix.sections.map(([p, a, h, x, k, api]) => {
      const [page, title, w = 1] = ix.pages[p];
      k = k || '';
      return {page, title, a, h, x, k, w, hw: words(h), api: !!api,
              lt: title.toLowerCase(), lh: h.toLowerCase(), lx: x.toLowerCase(), lk: k.toLowerCase()};
    });
    avgX = index.reduce((n, e) => n + e.lx.length, 0) / index.length || 1;
    avgK = index.reduce((n, e) => n + e.lk.length, 0) / index.length || 1;
    return index;
  }));
  const esc = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
  const reEsc = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mark = (s, alts) => {
    let h = esc(s);
    const re = new RegExp(`(?<![A-Za-z0-9])(${alts.map(a => reEsc(esc(a))).join('|')})`, 'gi');
    if (alts.length) h = h.replace(re, m => `<mark>${m}</mark>`);
    return h;
  };
  /* the reader's words: a word or phrase of a group finds any other of its group (a reader says "install", the site
     "set up"); little words count for nothing; a term matches at the start of a word ("resume" finds "resumed") */
  const SYNONYMS = [['install', 'installation', 'getting started', 'quick start', 'bootstrap'],
                    ['learning rate', 'learning-rate', 'lr'], ['gpu', 'cuda'],
                    ['multi-gpu', 'several gpus', 'multi-process', 'distributed']];
  const STOP = new Set('a an and are at by do does for from how i in is it of on or the to what when where which with'
                       .split(' '));
  function words(s) { return (s.toLowerCase().match(/[a-z0-9-]+/g) || []).filter(w => w.length > 1 && !STOP.has(w)); }
  const stem = w => w.length > 4 ? w.replace(/(ies|es|s|y|ing|ed)$/, '') : w;   // "penalty" finds "penalties"
  function parse(q) {                               // the query's terms, each a list of alternatives (regexes)
    let s = ` ${q.toLowerCase().replace(/\s+/g, ' ')} `;
    const groups = [];
    for (const g of SYNONYMS) {
      const w = g.find(w => s.includes(` ${w} `));
      if (w) { groups.push(g); s = s.replace(` ${w} `, ' '); }
    }
    groups.push(...s.split(' ').filter(w => w && !STOP.has(w)).map(w => [w]));
    return groups.map(g => g.map(stem)).map(g => ({alts: g, words: g.flatMap(a => a.split(/[\s-]/)),
                                                   re: new RegExp(`(?<![a-z0-9])(${g.map(reEsc).join('|')})`, 'g')}));
  }
  const count = (s, re) => (s.match(re) || []).length;
  // how much n matches in a text of length len weigh (BM25's saturation): the first few count most, and a long text
  // needs more of them than a short one
  const tf = (n, len, avg) => n / (n + 1.2 * (0.25 + 0.75 * len / avg));
  function search(q) {
    const terms = parse(q), phrase = q.toLowerCase().trim().replace(/\s+/g, ' ');
    if (!terms.length) return [];
    const hits = [];
    for (const e of index) {
      let score = 0, all = true;
      for (const t of terms) {
        const inH = count(e.lh, t.re) > 0, inT = count(e.lt, t.re) > 0, nX = count(e.lx, t.re), nK = count(e.lk, t.re);
        if (!inH && !inT && !nX && !nK) { all = false; break; }
        // a heading, then a page title, then prose; code only where the prose lacks the word (a name in a heading or a
        // sentence is what a reader wants)
        score += (inH ? 20 : 0) + (inT ? 8 : 0) + (nX ? 16 * tf(nX, e.lx.length, avgX) : 4 * tf(nK, e.lk.length, avgK));
      }
      if (!all) continue;
      // a heading typed whole (two words or more) finds its section: its words count twice; a heading that is mostly
      // the query's words is its answer ("Kill and resume" before "Exact resume on an image folder")
      if (phrase.includes(' ') && e.lh.includes(phrase)) score += 20 * terms.length;
      const covered = e.hw.filter(w => terms.some(t => t.words.some(a => w.startsWith(a)))).length;
      const cover = e.hw.length ? covered / e.hw.length : 0;
      score = (score + 20 * cover + (e.a ? 0 : 2)) * e.w * (e.api ? 0.6 : 1);   // prose before an API entry
      hits.push({e, score: Math.round(score * 10) / 10});
    }
    hits.sort((a, b) => b.score - a.score);
    const perPage = {}, res = [];
    for (const h of hits) {                         // at most 3 sections of a page, so that other pages show
      perPage[h.e.page] = (perPage[h.e.page] || 0) + 1;
      if (perPage[h.e.page] <= 3) res.push({...h.e, score: h.score});
      if (res.length >= 12) break;
    }
    const first = terms[0].re;
    return res.map(e => {                           // the snippet: prose around the first term, else the code around it
      const [txt, low] = e.lx.search(first) >= 0 || e.lk.search(first) < 0 ? [e.x, e.lx] : [e.k, e.lk];
      const i = Math.max(0, low.search(first) - 60);
      const snip = (i ? '…' : '') + txt.slice(i, i + 180) + (i + 180 < txt.length ? '…' : '');
      return {e, snip, alts: terms.flatMap(t => t.alts)};
    });
  }
  function show(q) {
    const res = search(q);
    out.hidden = false;
    out.innerHTML = res.length ? res.map(({e, snip, alts}) =>
      `<a href="${esc(root + '/' + e.page + (e.a ? '#' + e.a : ''))}"><span class="search-where">${mark(e.title, [])}` +
      `${e.h && e.h !== e.title ? ' › ' + mark(e.h, alts) : ''}</span>` +
      `<span class="search-snippet">${mark(snip, alts)}</span></a>`).join('')
      : `<div class="search-none">Nothing found for “${esc(q)}”.</div>`;
  }
  // for tests and tuning: the hits of a query and their scores
  window.bnregSearch = q => load().then(() => search(q).map(({e}) => [e.page + (e.a ? '#' + e.a : ''), e.score]));
  function closeResults() { if (out) out.hidden = true; }
  let pending = 0;
  box.addEventListener('focus', () => { load().catch(() => {}); });
  box.addEventListener('input', () => {
    const q = box.value.trim(), n = ++pending;
    if (!q) { closeResults(); return; }
    load().then(() => { if (n === pending) show(q); })
          .catch(e => { out.hidden = false; out.innerHTML = `<div class="search-none">Search is unavailable: ${esc(e.message)}</div>`; });
  });
  box.addEventListener('keydown', e => {
    if (e.key === 'Enter') { const a = out.querySelector('a'); if (a) { e.preventDefault(); window.location.href = a.href; } }
    if (e.key === 'ArrowDown') { const a = out.querySelector('a'); if (a) { e.preventDefault(); a.focus(); } }
  });
  out.addEventListener('keydown', e => {
    const as = [...out.querySelectorAll('a')], i = as.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < as.length - 1) { e.preventDefault(); as[i + 1].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); (i > 0 ? as[i - 1] : box).focus(); }
  });
  document.addEventListener('click', e => { if (!e.target.closest('#search')) closeResults(); });
  document.addEventListener('keydown', e => {
    if (e.key === '/' && document.activeElement === document.body) { e.preventDefault(); box.focus(); }
  });
})();
