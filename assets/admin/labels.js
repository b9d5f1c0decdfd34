// Labels (issue 15): the labels agents put on conversations. Create one (a name, a colour from the
// palette or any colour, a description), rename, recolour or describe it in place, delete it (it
// leaves every conversation). Open Messengers show each change at once.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { PALETTE, chip } from '../shared/labels.js';
import { header, problem, toast } from './dom.js';
import { t } from './i18n.js';

let uid = 0;

/**
 * The colour chooser: the palette as radio buttons (swatches, named for screen readers) and a
 * custom colour. Returns {el, get, set, onchange}.
 */
function colourChooser(initial) {
  const name = `colour-${++uid}`;
  const custom = el('input', { type: 'color', class: 'custom-colour', 'aria-label': t('labelColourCustom'), title: t('labelColourCustom') });
  const radios = PALETTE.map(([key, hex]) => {
    const input = el('input', { type: 'radio', name, value: hex, 'aria-label': t(`colour_${key}`) });
    const dot = el('span', { class: 'swatch-dot', 'aria-hidden': 'true' });
    dot.style.setProperty('--label-bg', hex);
    return { input, node: el('label', { class: 'swatch-radio', title: t(`colour_${key}`) }, input, dot) };
  });
  const box = el('fieldset', { class: 'palette' }, el('legend', { text: t('labelColour') }), radios.map((r) => r.node),
    el('span', { class: 'custom-wrap' }, custom));
  const api = {
    el: box,
    onchange: () => {},
    get: () => radios.find((r) => r.input.checked)?.input.value || custom.value,
    set: (hex) => {
      const v = (hex || PALETTE[5][1]).toLowerCase();
      let found = false;
      for (const r of radios) { r.input.checked = r.input.value === v; found ||= r.input.checked; }
      custom.value = v;
      custom.classList.toggle('chosen', !found);
    },
  };
  for (const r of radios) r.input.addEventListener('change', () => { custom.value = r.input.value; custom.classList.remove('chosen'); api.onchange(); });
  custom.addEventListener('input', () => { for (const r of radios) r.input.checked = false; custom.classList.add('chosen'); api.onchange(); });
  api.set(initial);
  return api;
}

/** What the server said is wrong, under the field it names ("name: …"), or in `fallback`. */
function showError(e, fields, fallback) {
  const text = problem(e, t('errLabel'));
  const [key, ...rest] = text.split(':');
  const said = rest.join(':').trim();
  if (fields[key] && said) { fields[key](said[0].toUpperCase() + said.slice(1)); return; }
  fallback.textContent = text;
}

export async function labels(view) {
  const body = el('tbody');
  const table = el('section', { class: 'panel table-panel', tabindex: '0', 'aria-label': t('labelsTitle') });
  let list = [];

  const refresh = async () => {
    try { list = (await agent.get('/api/labels')).labels; } catch (e) { table.replaceChildren(el('p', { class: 'error', text: problem(e, t('errLoadLabels')) })); return; }
    draw();
  };

  const draw = (editing = null) => {
    body.replaceChildren(...list.map((l) => (l.id === editing ? editRow(l) : row(l))));
    if (!list.length) body.append(el('tr', {}, el('td', { colspan: '3', class: 'muted', text: t('noLabels') })));
    table.replaceChildren(el('table', { class: 'table labels-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('colLabel') }), el('th', { scope: 'col', text: t('colDescription') }),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only', text: t('colActions') })))),
      body));
  };

  const row = (l) => el('tr', {},
    el('td', {}, chip(l)),
    el('td', { class: 'muted', text: l.description || '—' }),
    el('td', { class: 'right nowrap' },
      el('button', { type: 'button', class: 'btn small', 'aria-label': t('editLabelOf', { name: l.name }), text: t('edit'), onclick: () => {
        draw(l.id);
        body.querySelector('input')?.focus();
      } }),
      ' ',
      el('button', { type: 'button', class: 'btn small danger', 'aria-label': t('deleteLabelOf', { name: l.name }), text: t('delete'), onclick: async () => {
        if (!confirm(t('confirmDeleteLabel', { name: l.name }))) return;
        try { await agent.del(`/api/labels/${l.id}`); toast(t('labelDeleted', { name: l.name })); } catch (e) { toast(problem(e, t('errLabel')), 'warn'); }
        refresh();
      } })));

  const editRow = (l) => {
    const name = el('input', { type: 'text', value: l.name, maxlength: '40', 'aria-label': t('labelName'), placeholder: t('labelName'), required: true });
    const desc = el('input', { type: 'text', value: l.description, maxlength: '200', 'aria-label': t('labelDescription'), placeholder: t('labelDescription') });
    const colour = colourChooser(l.color);
    const err = el('p', { class: 'field-error', role: 'alert' });
    const save = async () => {
      err.textContent = '';
      try {
        await agent.patch(`/api/labels/${l.id}`, { name: name.value, color: colour.get(), description: desc.value });
        toast(t('labelSaved'));
      } catch (e) { showError(e, {}, err); name.focus(); return; }
      await refresh();
    };
    const keys = (e) => {
      if (e.key === 'Enter') { e.preventDefault(); save(); }
      if (e.key === 'Escape') { e.preventDefault(); draw(); }
    };
    name.addEventListener('keydown', keys);
    desc.addEventListener('keydown', keys);
    return el('tr', { class: 'editing' },
      el('td', { colspan: '3' }, el('div', { class: 'label-edit' },
        el('div', { class: 'row' }, el('div', { class: 'field grow' }, name), el('div', { class: 'field grow' }, desc)),
        colour.el, err,
        el('div', { class: 'actions' },
          el('button', { type: 'button', class: 'btn small primary', text: t('saveLabel'), onclick: save }),
          el('button', { type: 'button', class: 'btn small', text: t('cancel'), onclick: () => draw() })))));
  };

  // A new label, with a live preview of its chip.
  const name = el('input', { type: 'text', id: 'label-name', maxlength: '40', required: true, autocomplete: 'off', placeholder: t('labelNameExample') });
  const desc = el('input', { type: 'text', id: 'label-desc', maxlength: '200', autocomplete: 'off' });
  const colour = colourChooser(PALETTE[5][1]);
  const nameErr = el('p', { class: 'field-error', role: 'alert' });
  const err = el('p', { class: 'field-error', role: 'alert' });
  const preview = el('p', { class: 'label-preview', 'aria-live': 'polite' });
  const drawPreview = () => preview.replaceChildren(el('span', { class: 'muted', text: `${t('preview')}: ` }),
    chip({ name: name.value.trim() || t('labelNameExample'), color: colour.get(), description: '' }));
  colour.onchange = drawPreview;
  name.addEventListener('input', drawPreview);
  drawPreview();
  name.addEventListener('input', () => { nameErr.textContent = ''; });
  const form = el('form', { class: 'panel label-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    nameErr.textContent = '';
    try {
      const r = await agent.post('/api/labels', { name: name.value, color: colour.get(), description: desc.value });
      toast(t('labelCreated', { name: r.label.name }));
      name.value = '';
      desc.value = '';
      drawPreview();
      name.focus();
    } catch (ex) { showError(ex, { name: (m) => { nameErr.textContent = m; name.focus(); } }, err); return; }
    refresh();
  } },
  el('h2', { text: t('newLabel') }),
  el('p', { class: 'panel-lead', text: t('newLabelLead') }),
  el('div', { class: 'row' },
    el('div', { class: 'field grow' }, el('label', { for: 'label-name', text: t('labelName') }), name, nameErr),
    el('div', { class: 'field grow' }, el('label', { for: 'label-desc', text: t('labelDescription') }), desc)),
  colour.el, preview, err,
  el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'btn primary', text: t('createLabel') })));

  view.append(header(t('labelsTitle'), t('labelsLead')), form, table);
  await refresh();
}
