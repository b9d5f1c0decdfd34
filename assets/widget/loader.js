/* Frontdesk widget loader (/widget.js): the one script a site owner embeds.
 *
 * It adds a launcher button (in a shadow root, so the page's CSS cannot reach it) and an iframe
 * served by Frontdesk (/widget) holding the chat, so neither side's CSS or scripts touch the other.
 * The two talk by postMessage with the exact origin checked both ways. It never throws into the page,
 * never blocks its load, and shows nothing until the chat frame says it is ready: if Frontdesk cannot
 * be reached it stays invisible and retries quietly.
 *
 * Host page API: Frontdesk.open(), .close(), .toggle(), .identify({user_id, email, name, user_hash}),
 * .on('message' | 'open' | 'close', fn).
 */
(function () {
  'use strict';
  var w = window, d = document;
  try {
    if (w.Frontdesk && w.Frontdesk.__frontdesk) return;
    var me = d.currentScript;
    if (!me) {
      var all = d.querySelectorAll('script[src*="/widget.js"]');
      me = all[all.length - 1];
    }
    if (!me || !me.src) return;
    var origin = new URL(me.src, location.href).origin;
    var NS = 'http://www.w3.org/2000/svg';
    var ICON_CHAT = 'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.4c-.5.4-1.3 0-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z';
    var ICON_CLOSE = 'M6.7 9.3a1 1 0 0 1 1.4 0L12 13.2l3.9-3.9a1 1 0 1 1 1.4 1.4l-4.6 4.6a1 1 0 0 1-1.4 0L6.7 10.7a1 1 0 0 1 0-1.4z';

    var host, root, wrap, launcher, badge, label, iconPath, panel, frame;
    var ready = false, isOpen = false, wantOpen = false, cfg = {}, unread = 0;
    var queue = [], handlers = {}, retry = 0, readyTimer = 0, audio = null;

    var emit = function (name, data) {
      var list = handlers[name] || [];
      for (var i = 0; i < list.length; i++) {
        try { list[i](data); } catch (e) { if (w.console) console.error('Frontdesk: a "' + name + '" handler failed', e); }
      }
    };

    var post = function (msg) {
      if (ready && frame && frame.contentWindow) frame.contentWindow.postMessage(msg, origin);
      else queue.push(msg);
    };

    var svg = function (d0) {
      var s = d.createElementNS(NS, 'svg');
      s.setAttribute('viewBox', '0 0 24 24');
      s.setAttribute('aria-hidden', 'true');
      var p = d.createElementNS(NS, 'path');
      p.setAttribute('d', d0);
      p.setAttribute('fill', 'currentColor');
      s.appendChild(p);
      return { svg: s, path: p };
    };

    var CSS = [
      ':host{all:initial}',
      '*{box-sizing:border-box}',
      '.l{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:10px;height:56px;min-width:56px;padding:0 16px;border:0;border-radius:28px;background:var(--c);color:var(--t);font:600 15px/1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;cursor:pointer;box-shadow:0 6px 20px rgba(15,23,42,.22),0 2px 6px rgba(15,23,42,.12);transition:transform .18s ease,box-shadow .18s ease}',
      '.l:hover{transform:translateY(-2px) scale(1.03);box-shadow:0 10px 28px rgba(15,23,42,.26)}',
      '.l:focus-visible{outline:3px solid var(--c);outline-offset:3px}',
      '.l.icon{padding:0;justify-content:center;width:56px}',
      '.l svg{width:26px;height:26px;flex:none}',
      '.l[hidden]{display:none}',
      '.b{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d92d20;color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}',
      '.b[hidden]{display:none}',
      '.p{position:fixed;bottom:88px;right:20px;z-index:2147483000;width:400px;height:min(700px,calc(100vh - 112px));border-radius:18px;overflow:hidden;background:#fff;box-shadow:0 16px 48px rgba(15,23,42,.22),0 2px 8px rgba(15,23,42,.08);opacity:0;visibility:hidden;transform:translateY(14px) scale(.98);transform-origin:bottom right;transition:opacity .2s ease,transform .2s ease,visibility 0s linear .2s;pointer-events:none}',
      '.p.open{opacity:1;visibility:visible;transform:none;transition:opacity .2s ease,transform .2s ease;pointer-events:auto}',
      '.left .l{right:auto;left:20px}.left .p{right:auto;left:20px;transform-origin:bottom left}',
      // The frame follows the visitor's light or dark mode (frame.css); its panel matches while it loads.
      'iframe{display:block;width:100%;height:100%;border:0;background:transparent;color-scheme:light dark}',
      '@media (prefers-color-scheme:dark){.p{background:#0f1319;box-shadow:0 16px 48px rgba(0,0,0,.55),0 0 0 1px rgba(255,255,255,.08)}.l{box-shadow:0 6px 20px rgba(0,0,0,.5),0 0 0 1px rgba(255,255,255,.12)}.b{box-shadow:0 0 0 2px #0f1319}}',
      '@media (max-width:480px){.p{inset:0;width:100%;height:100%;border-radius:0}.left .p{left:0}.open-now .l{display:none}}',
      '@media (prefers-reduced-motion:reduce){.l,.p,.p.open{transition:none}.l:hover{transform:none}}'
    ].join('');

    // The brand colour (look.js BRAND) until the frame says the admin's; the text on it is white when
    // that reads at 4.5:1 (WCAG relative luminance), else dark, as look.js `ink` decides in the frame.
    var color = function (c) { return /^#[0-9a-fA-F]{6}$/.test(c || '') ? c : '#2f6fec'; };
    var ink = function (c) {
      var n = parseInt(c.slice(1), 16), l = 0;
      for (var i = 0; i < 3; i++) {
        var v = ((n >> (16 - 8 * i)) & 255) / 255;
        l += [0.2126, 0.7152, 0.0722][i] * (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
      }
      return 1.05 / (l + 0.05) >= 4.5 ? '#ffffff' : (l + 0.05) / 0.0592 >= 4.5 ? '#111827' : '#000000';
    };

    var paint = function () {
      var c = color(cfg.color);
      host.style.setProperty('--c', c, 'important');
      host.style.setProperty('--t', ink(c), 'important');
      wrap.className = (cfg.position === 'left' ? 'left' : 'right') + (isOpen ? ' open-now' : '');
      var text = isOpen ? '' : (cfg.launcher_text || '');
      label.textContent = text;
      label.hidden = !text;
      launcher.className = text ? 'l' : 'l icon';
      iconPath.setAttribute('d', isOpen ? ICON_CLOSE : ICON_CHAT);
      var t = cfg.labels || {};
      wrap.setAttribute('aria-label', t.chat || 'Chat');
      if (frame) frame.title = t.chat || 'Chat';
      var name = isOpen ? (t.close || 'Close chat') : (t.open || 'Open chat');
      if (!isOpen && unread) name += ' (' + (t.unread || '{n} unread').replace('{n}', unread) + ')';
      launcher.setAttribute('aria-label', name);
      launcher.setAttribute('aria-expanded', String(isOpen));
      badge.textContent = unread > 9 ? '9+' : String(unread);
      badge.hidden = isOpen || !unread;
    };

    var show = function (open, fromFrame) {
      if (!ready) { wantOpen = open; return; }
      if (open === isOpen) return;
      isOpen = open;
      panel.className = open ? 'p open' : 'p';
      if (open) { unread = 0; }
      paint();
      post({ fd: open ? 'open' : 'closed' });
      if (open) { try { frame.focus(); } catch (e) { /* focus is best effort */ } }
      else if (fromFrame) { try { launcher.focus(); } catch (e) { /* idem */ } }
      emit(open ? 'open' : 'close');
    };

    var beep = function () {
      try {
        var C = w.AudioContext || w.webkitAudioContext;
        if (!C) return;
        audio = audio || new C();
        var t = audio.currentTime, o = audio.createOscillator(), g = audio.createGain();
        o.type = 'sine';
        o.frequency.setValueAtTime(880, t);
        o.frequency.setValueAtTime(1320, t + 0.09);
        g.gain.setValueAtTime(0.0001, t);
        g.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
        o.connect(g); g.connect(audio.destination);
        o.start(t); o.stop(t + 0.32);
      } catch (e) { /* no sound is fine */ }
    };

    var onMessage = function (e) {
      if (!frame || e.source !== frame.contentWindow || e.origin !== origin) return;
      var m = e.data;
      if (!m || typeof m !== 'object' || typeof m.fd !== 'string') return;
      if (m.fd === 'ready' || m.fd === 'config') {
        cfg = m.cfg && typeof m.cfg === 'object' ? m.cfg : {};
        if (!ready) {
          ready = true;
          retry = 0;
          clearTimeout(readyTimer);
          launcher.hidden = false;
          post({ fd: 'page', url: location.href, referrer: d.referrer });
          var q = queue; queue = [];
          for (var i = 0; i < q.length; i++) post(q[i]);
          if (wantOpen) show(true);
        }
        paint();
      } else if (m.fd === 'unread') {
        unread = isOpen ? 0 : Math.max(0, m.n | 0);
        paint();
      } else if (m.fd === 'notify') {
        if (!isOpen && cfg.sound) beep();
      } else if (m.fd === 'close') {
        show(false, true);
      } else if (m.fd === 'message' && m.message && typeof m.message === 'object') {
        emit('message', m.message);
      }
    };

    // A link in one of our mails ends in #frontdesk-resume=TOKEN: the frame turns it into this
    // browser's visitor token and the chat opens on the same conversation. Taken off the address at
    // once, so it is not bookmarked, shared or sent on as a referrer.
    var resume = (function () {
      var m = /(?:^#|&)frontdesk-resume=([A-Za-z0-9.]{1,200})/.exec(location.hash);
      if (!m) return '';
      try { history.replaceState(history.state, '', location.pathname + location.search); } catch (e) { /* best effort */ }
      wantOpen = true;
      return m[1];
    })();

    var load = function () {
      if (frame) frame.remove();
      ready = false;
      launcher.hidden = true;
      frame = d.createElement('iframe');
      frame.title = 'Chat';
      frame.setAttribute('allow', 'autoplay');
      frame.src = origin + '/widget' + (resume ? '?resume=' + resume : '') + '#' + encodeURIComponent(location.origin);
      panel.appendChild(frame);
      // No "ready" in time (Frontdesk down, blocked, or this origin not allowed): stay invisible and
      // try again later, backing off to once every five minutes.
      readyTimer = setTimeout(function () {
        retry = Math.min(retry + 1, 6);
        frame.remove();
        frame = null;
        setTimeout(load, Math.min(300000, 5000 * Math.pow(2, retry)));
      }, 20000);
    };

    var mount = function () {
      if (host) return;
      host = d.createElement('frontdesk-widget');
      // Inline !important beats the page's own !important rules (e.g. `body * {display:none !important}`).
      // Set through the CSSOM, which a page's CSP (style-src without 'unsafe-inline') does not block.
      var HOST = 'all:initial;display:block;position:fixed;bottom:0;right:0;width:0;height:0;margin:0;padding:0;border:0;overflow:visible;visibility:visible;opacity:1;transform:none;filter:none;clip-path:none;z-index:2147483000;pointer-events:auto'.split(';');
      for (var k = 0; k < HOST.length; k++) { var kv = HOST[k].split(':'); host.style.setProperty(kv[0], kv[1], 'important'); }
      root = host.attachShadow({ mode: 'open' });
      // A landmark of its own, so the launcher is not loose content on the page and can be found by it.
      wrap = d.createElement('div');
      wrap.setAttribute('role', 'region');
      root.appendChild(wrap);
      // A constructed sheet is not an inline <style>, so a strict CSP on the page does not block it.
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        var style = d.createElement('style');
        style.textContent = CSS;
        root.appendChild(style);
      }
      launcher = d.createElement('button');
      launcher.type = 'button';
      launcher.hidden = true;
      var icon = svg(ICON_CHAT);
      iconPath = icon.path;
      launcher.appendChild(icon.svg);
      label = d.createElement('span');
      launcher.appendChild(label);
      badge = d.createElement('span');
      badge.className = 'b';
      badge.hidden = true;
      badge.setAttribute('aria-hidden', 'true');
      launcher.appendChild(badge);
      launcher.addEventListener('click', function () { show(!isOpen); });
      panel = d.createElement('div');
      panel.className = 'p';
      wrap.appendChild(panel);
      wrap.appendChild(launcher);
      (d.body || d.documentElement).appendChild(host);
      w.addEventListener('message', onMessage);
      // A page that rebuilds its body (some single-page apps) would drop us: put us back.
      setInterval(function () { if (!host.isConnected) (d.body || d.documentElement).appendChild(host); }, 3000);
      paint();
      load();
    };

    var str = function (v, max) { return v == null ? undefined : String(v).slice(0, max); };

    w.Frontdesk = {
      __frontdesk: true,
      open: function () { show(true); },
      close: function () { show(false); },
      toggle: function () { show(!(ready ? isOpen : wantOpen)); },
      identify: function (u) {
        if (!u || typeof u !== 'object' || u.user_id == null) return;
        post({ fd: 'identify', user: { user_id: str(u.user_id, 200), email: str(u.email, 254), name: str(u.name, 100), user_hash: str(u.user_hash, 128) } });
      },
      on: function (name, fn) { if (typeof fn === 'function') (handlers[name] = handlers[name] || []).push(fn); },
      snippet: function () { return '<script async src="' + origin + '/widget.js"></' + 'script>'; }
    };

    if (d.body) mount();
    else d.addEventListener('DOMContentLoaded', function () { try { mount(); } catch (e) { /* never into the page */ } });
  } catch (e) {
    // Never throw into the host page.
  }
})();
