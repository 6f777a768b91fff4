// Wide tables and long equations scroll inside the column (rnnbook.css). A region that scrolls
// must be reachable by keyboard (WCAG 2.1.1; axe-core's scrollable-region-focusable): each one
// that overflows its box gets tabindex="0", and loses it again when a wider window lets it fit.
(function () {
  var SELECTOR = '.bd-article table, .bd-article mjx-container[display="true"]';
  function mark() {
    document.querySelectorAll(SELECTOR).forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute('tabindex')) {
        el.setAttribute('tabindex', '0');
        el.dataset.rnnbookScroll = '1';
      } else if (!scrolls && el.dataset.rnnbookScroll) {
        el.removeAttribute('tabindex');
        delete el.dataset.rnnbookScroll;
      }
    });
  }
  document.addEventListener('DOMContentLoaded', mark);
  window.addEventListener('load', function () {
    mark();
    // MathJax typesets after load; mark its equations once it is done.
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      window.MathJax.startup.promise.then(mark);
    }
  });
  window.addEventListener('resize', mark);
})();
