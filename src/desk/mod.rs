//! The help desk's rules, apart from the transports that reach them (ARCHITECTURE.md, "Rooms"):
//! posting and reopening, system lines, what a customer may see, who may see a conversation or an
//! item, tickets and tasks, the widget's limits and a visitor's identity, availability, settings,
//! the team and password recovery, periodic upkeep, who handles a live chat (assignment), labels and
//! customer records, saved replies, and email (the outbox and its sender, what mails say, replies
//! fetched back). Handlers (`api/`), the WebSocket protocol (`api/socket.rs`),
//! maintenance and the command line call these; none of them calls another handler file for a rule.

pub mod assignment;
pub mod attachments;
pub mod availability;
pub mod backups;
pub mod conversations;
pub mod csat;
pub mod customer;
pub mod customers;
pub mod identity;
pub mod inbound;
pub mod item_changes;
pub mod items;
pub mod labels;
pub mod mail;
pub mod mail_due;
pub mod mail_send;
pub mod mail_text;
pub mod maintenance;
pub mod mentions;
pub mod notes;
pub mod outbox;
pub mod post_checks;
pub mod recovery;
pub mod replies;
pub mod reports;
pub mod settings;
pub mod system_lines;
pub mod team;
pub mod tokens;
pub mod visibility;
pub mod webhook_events;
pub mod webhook_send;
pub mod webhooks;
pub mod widget;
