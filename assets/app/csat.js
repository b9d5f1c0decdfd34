// Satisfaction ratings in the Messenger (issue 20): a new rating refreshes the customer panel that
// shows that customer, and a low one (`csat.low`, sent only to the agent the closing is credited to)
// is a notification that opens the conversation.

import * as A from './actions.js';
import { scoreText, t } from './i18n.js';
import * as notify from './notify.js';
import * as panels from './panels.js';
import { S } from './state.js';

A.eventHooks.push((ev) => {
  const d = ev.data || {};
  if (ev.type === 'message.created' && d.message?.system?.code === 'csat.rated' && d.conversation?.customer_id) {
    panels.refreshCustomer(d.conversation.customer_id);
  } else if (ev.type === 'csat.low' && d.rating) {
    const r = d.rating;
    const body = [scoreText(r.scale, r.score), r.comment].filter(Boolean).join(' · ');
    notify.alertText(t('csatLow', { name: d.customer_name || t('someoneCustomer') }), body, {
      id: d.conversation_id, watching: d.conversation_id === S.currentId, open: (id) => A.openConv(id),
    });
  }
});
