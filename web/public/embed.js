/* Node playground embed loader: turns <pre data-playground> blocks into autosizing embeds.
 *   <script src="https://playground.example/embed.js" defer></script>
 *   <pre data-playground data-lang="ts" data-readonly>console.log("hi")</pre>
 * Options (data-*): lang, theme (light|dark|auto), readonly, autorun, editor="hide", max-height. */
(function () {
  var script = document.currentScript;
  var base = new URL('.', (script && script.src) || location.href);
  var frames = [];
  function init() {
    var blocks = document.querySelectorAll('pre[data-playground]:not([data-playground-ready])');
    blocks.forEach(function (pre) {
      pre.setAttribute('data-playground-ready', '');
      var q = new URLSearchParams();
      q.set('code', pre.textContent.replace(/^\n/, '').replace(/\s+$/, '\n'));
      q.set('lang', pre.dataset.lang || 'javascript');
      if (pre.dataset.theme) q.set('theme', pre.dataset.theme);
      if ('readonly' in pre.dataset) q.set('readonly', '1');
      if ('autorun' in pre.dataset) q.set('autorun', '1');
      if (pre.dataset.editor === 'hide') q.set('editor', '0');
      if (pre.dataset.maxHeight) q.set('maxHeight', pre.dataset.maxHeight);
      var iframe = document.createElement('iframe');
      iframe.src = new URL('embed?' + q.toString(), base).toString();
      iframe.title = pre.dataset.title || 'Runnable code example';
      iframe.loading = 'lazy';
      iframe.style.cssText = 'width:100%;border:0;display:block;height:' + Math.max(120, pre.offsetHeight + 80) + 'px';
      iframe.setAttribute('allow', 'clipboard-write');
      pre.replaceWith(iframe);
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
