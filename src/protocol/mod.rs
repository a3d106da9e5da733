//! The wire protocol (docs/PROTOCOL.md), in one place: what a server sends (`encode`: `hello`,
//! `config`, `history`, `data`, `stats`, the range body), what clients push and replicas apply
//! (`push`, `replica`), what a relay carries between servers (`relay`), what an embed token's holder sees of them (`scope`), the exports of a widget's data (`export`), and stored changes
//! replayed (`replay`). The web server, the store, the mirror and the native viewer all read and
//! write JSON through this module and nowhere else.

/// The environment variable holding a token: the one a server in token mode uses when none is
/// given, and the one the native viewer sends (docs/SECURITY.md).
pub const TOKEN_ENV: &str = "STREAMVIZ_TOKEN";

mod alerts;
mod encode;
mod export;
mod live;
mod push;
mod relay;
mod replay;
mod replica;
mod scope;

pub use alerts::{alerts_body, alerts_message, parse_rules};
pub use encode::{
    change_json, config_message, delta_messages, error_message, hello_message, history_data,
    history_is_decimated, history_message, history_messages, history_messages_of, range_json,
    snapshot_stats_message, stats_message, widget_history_message, DataJson,
    DECIMATE_HISTORY_ABOVE, HISTORY_COLUMNS, MAX_UPDATES_PER_DATA_MESSAGE, PROTOCOL_VERSION,
};
pub use export::{export_csv, export_json};
pub use live::{LIVE_COLUMNS, LIVE_POINTS_PER_SERIES};
pub use push::{apply_push_to, Push, PushError, PushOutcome};
pub use relay::{is_config_message, relay_messages, RelayMessage, Relayed};
pub use replay::{history_ops, replay_widget};
pub use replica::apply_message;
pub use scope::scope_message;
