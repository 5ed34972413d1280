//! Stand-in of the Telegram Bot API (`sendMessage`).
