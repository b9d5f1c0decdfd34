// Getting the agent's attention: a short chime made with WebAudio (no sound file), a browser
// notification, and the unread count in the tab title. Only when the tab is hidden or another
// conversation is open, and only if the agent has not turned them off.
import { t } from './i18n.js';

let audio = null;
let enabled = true;

export function setEnabled(on) { enabled = on; }

/** Browsers only let audio start after a user gesture: prepare it on the first one. */
export function armOnGesture() {
  const arm = () => {
    try {
      audio ??= new AudioContext();
      if (audio.state === 'suspended') audio.resume();
    } catch { /* no WebAudio */ }
    if (enabled && 'Notification' in window && Notification.permission === 'default') {
      Notification.requestPermission().catch(() => {});
    }
    window.removeEventListener('pointerdown', arm);
    window.removeEventListener('keydown', arm);
  };
  window.addEventListener('pointerdown', arm);
  window.addEventListener('keydown', arm);
}

/** Two soft notes, rising. */
function chime() {
  if (!audio || audio.state !== 'running') return;
  const now = audio.currentTime;
  [[660, 0], [880, 0.12]].forEach(([f, at]) => {
    const o = audio.createOscillator(), g = audio.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    g.gain.setValueAtTime(0.0001, now + at);
    g.gain.exponentialRampToValueAtTime(0.18, now + at + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.35);
    o.connect(g).connect(audio.destination);
    o.start(now + at);
    o.stop(now + at + 0.4);
  });
}

/**
 * Alert for `info` from state.apply: {kind, conv, message}. `open(id)` opens the conversation when
 * the notification is clicked; `watching` is true when the agent is looking at that conversation.
 */
export function alertFor(info, { watching, open, label }) {
  if (!enabled || !info) return;
  if (watching && !document.hidden) return;
  const name = info.message ? info.message.author.name : label;
  const titleText = info.kind === 'conversation' ? t('newConversation', { name: label }) : t('newMessageFrom', { name });
  ring(titleText, info.message ? info.message.body || '' : '', info.conv.id, open);
}

/** The chime and a browser notification saying `titleText` (and `body`); a click opens conversation `id`. */
function ring(titleText, body, id, open) {
  chime();
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(titleText, { body: body.slice(0, 140), tag: `fd-conv-${id}`, icon: '/assets/shared/favicon.svg' });
    n.onclick = () => { window.focus(); open(id); n.close(); };
  } catch { /* some browsers only allow notifications from a service worker */ }
}

/** Alert with words of its own (a chat given to me, a transfer's note), by the rules of `alertFor`. */
export function alertText(titleText, body, { id, watching, open }) {
  if (!enabled || (watching && !document.hidden)) return;
  ring(titleText, body || '', id, open);
}

/** "(3) Messenger · Acme" */
export function setTitle(unread, name) {
  document.title = (unread ? `(${unread}) ` : '') + `${t('appTitle')} · ${name}`;
}
