/* Node playground embed loader: turns <pre data-playground> blocks into autosizing embeds.
 *   <script src="https://playground.example/embed.js" defer></script>
 *   <pre data-playground data-lang="ts" data-readonly>console.log("hi")</pre>
 * A program of several files: an element with data-playground holding one <pre data-file="name">
 * per file; the first runs, or the one marked data-entry.
 *   <div data-playground><pre data-file="main.js">require('./util.js')</pre><pre data-file="util.js">…</pre></div>
 * Options (data-*): lang, theme (light|dark|auto), readonly, autorun, editor="hide", max-height,
 * stdin (the program's whole input), origins (who may command it and hear its events: this page
 * by default; a comma-separated list of origins, or "*" for any window). */
(function () {
  var script = document.currentScript;
  var base = new URL('.', (script && script.src) || location.href);
  var frames = [];
  function text(pre) {
    return pre.textContent.replace(/^\n/, '').replace(/\s+$/, '\n');
  }
  /** The group's files and entry, or null when it holds no <pre data-file>. */
  function filesOf(group) {
    var files = [];
    var entry = null;
    group.querySelectorAll('pre[data-file]').forEach(function (pre) {
      files.push({ name: pre.dataset.file, content: text(pre) });
      if ('entry' in pre.dataset) entry = pre.dataset.file;
    });
    return files.length ? { files: files, entry: entry } : null;
  }
  /**
   * The embed's height before it has loaded, from its own layout (Embed.tsx: the bar, an editor
   * as tall as the code's lines, up to 420 px, a short console; within max-height): starting
   * from the host's <pre> height instead, every block grew or shrank by 30–100 px as it loaded,
   * moving the page under the reader (user probe: cumulative layout shift 0.107).
   */
  function firstHeight(lines, tabs, maxHeight, editorShown) {
    var editor = editorShown ? Math.min(Math.max(3, lines) * 19 + 16, 420) : 0;
    var height = 2 + 42 + (tabs ? 31 : 0) + editor + 41;
    return maxHeight > 0 ? Math.min(height, maxHeight) : height;
  }
  function lineCount(code) {
    return code.replace(/\n$/, '').split('\n').length;
  }
  function init() {
    var blocks = document.querySelectorAll('[data-playground]:not([data-playground-ready])');
    blocks.forEach(function (block) {
      var q = new URLSearchParams();
      var lang = block.dataset.lang;
      var lines = 0;
      var tabs = false;
      if (block.tagName === 'PRE') {
        q.set('code', text(block));
        lines = lineCount(text(block));
      } else {
        var group = filesOf(block);
        if (!group) return;
        // As JSON, not compressed: this script stays a few lines (the embed reads either).
        q.set('files', JSON.stringify(group.files));
        if (group.entry) q.set('entry', group.entry);
        group.files.forEach(function (f) {
          lines = Math.max(lines, lineCount(f.content));
        });
        tabs = group.files.length > 1;
        // No data-lang: TypeScript when the file that runs is a .ts one.
        if (!lang && /\.[mc]?ts$/.test(group.entry || group.files[0].name)) lang = 'typescript';
      }
      block.setAttribute('data-playground-ready', '');
      q.set('lang', lang || 'javascript');
      if (block.dataset.theme) q.set('theme', block.dataset.theme);
      if ('readonly' in block.dataset) q.set('readonly', '1');
      if ('autorun' in block.dataset) q.set('autorun', '1');
      if (block.dataset.editor === 'hide') q.set('editor', '0');
      if (block.dataset.maxHeight) q.set('maxHeight', block.dataset.maxHeight);
      if (block.dataset.stdin !== undefined) q.set('stdin', block.dataset.stdin);
      // Commands from, and events (the code, the output) to, this page only, unless data-origins
      // says otherwise ("*": any window). Every embed took commands from any window and told any
      // parent its events (an attacker trial). A page with no origin (file:) cannot be named.
      var origins = block.dataset.origins;
      if (origins !== undefined ? origins.trim() !== '*' : location.origin !== 'null') q.set('origins', origins !== undefined ? origins : location.origin);
      var iframe = document.createElement('iframe');
      iframe.src = new URL('embed?' + q.toString(), base).toString();
      iframe.title = block.dataset.title || 'Runnable code example';
      iframe.loading = 'lazy';
      var height = firstHeight(lines, tabs, Number(block.dataset.maxHeight) || 0, block.dataset.editor !== 'hide');
      iframe.style.cssText = 'width:100%;border:0;display:block;height:' + height + 'px';
      iframe.setAttribute('allow', 'clipboard-write');
      block.replaceWith(iframe);
      frames.push(iframe);
    });
  }
  window.addEventListener('message', function (ev) {
    var d = ev.data;
    if (!d || d.channel !== 'node-playground' || d.type !== 'event' || d.event !== 'resize') return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === ev.source) frames[i].style.height = d.data.height + 'px';
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
