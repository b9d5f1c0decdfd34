//! The help desk's rules, apart from the transports that reach them: what a customer may see, the
//! system lines a conversation records. Handlers (`api/`), the WebSocket protocol and maintenance
//! all call these; none of them calls another handler file for a rule.

pub mod availability;
pub mod conversations;
pub mod customer;
pub mod item_changes;
pub mod items;
pub mod maintenance;
pub mod settings;
pub mod system_lines;
pub mod team;
pub mod visibility;
pub mod widget;
