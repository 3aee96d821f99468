// Convene's one script: small conveniences on top of pages that work without it.
// Loaded with `defer` from /assets (the Content-Security-Policy allows no inline script),
// so the document is parsed when it runs. Nothing here is needed to use the site.
(function () {
  'use strict';

  // --- Copy buttons --------------------------------------------------------------------
  // Every element marked `data-copy` (a calendar address in an <input readonly> or a
  // <code>) gets a "Copy" button after it, and a status line that says "Copied" politely
  // to screen readers and on screen. Without script there is no button: the address is
  // there to select by hand. `data-copy-label` ends the button's accessible name
  // ("Copy the calendar address for Transport").

  function textOf(el) {
    if (el.dataset.copy) return el.dataset.copy;
    if ('value' in el && typeof el.value === 'string' && el.tagName !== 'BUTTON') return el.value;
    return el.textContent.trim();
  }

  function selectText(el) {
    if (typeof el.select === 'function') {
      el.focus();
      el.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(el) {
    selectText(el);
    try {
      return document.execCommand('copy');
    } catch (e) {
      return false;
    }
  }

  function setUpCopy(el) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button-secondary button-small copy-button';
    button.appendChild(document.createTextNode('Copy'));
    var label = el.dataset.copyLabel || 'the address';
    var hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ' ' + label;
    button.appendChild(hidden);

    // Present (and empty) from the start, so that filling it in is announced.
    var status = document.createElement('span');
    status.className = 'copy-status';
    status.setAttribute('role', 'status');

    var wrap = document.createElement('span');
    wrap.className = 'copy-control';
    wrap.appendChild(button);
    wrap.appendChild(status);
    el.insertAdjacentElement('afterend', wrap);

    var timer = null;
    function say(text) {
      window.clearTimeout(timer);
      status.textContent = text;
      timer = window.setTimeout(function () {
        status.textContent = '';
      }, 6000);
    }

    button.addEventListener('click', function () {
      var text = textOf(el);
      var fallback = function () {
        if (legacyCopy(el)) {
          say('Copied');
        } else {
          selectText(el);
          say('Selected: press Ctrl+C (or \u2318C) to copy');
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          say('Copied');
        }, fallback);
      } else {
        fallback();
      }
    });
  }

  // --- Repeat fields of the event form --------------------------------------------------
  // The details of a repeat (how often, until when, a custom rule) are hidden while
  // "Repeats" says "Does not repeat". Without script they all stay visible, and the
  // server ignores them for an event that does not repeat.

  function setUpRepeat(details) {
    var select = document.getElementById(details.dataset.repeatDetails || 'repeat');
    if (!select) return;
    var sync = function () {
      details.hidden = select.value === 'none' || select.value === '';
    };
    select.addEventListener('change', sync);
    sync();
  }

  // --- The phone menu -------------------------------------------------------------------
  // A <details> disclosure, so it opens and closes without script. With script, Escape
  // closes it and puts focus back on "Menu", and so does a click or a tap outside it.

  function setUpMenu(menu) {
    var summary = menu.querySelector('summary');
    menu.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && menu.open) {
        menu.open = false;
        if (summary) summary.focus();
      }
    });
    document.addEventListener('click', function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-copy]'), setUpCopy);
    Array.prototype.forEach.call(document.querySelectorAll('[data-repeat-details]'), setUpRepeat);
    Array.prototype.forEach.call(document.querySelectorAll('details.site-menu'), setUpMenu);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
