"""The moving parts: the queue (RQ or inline), jobs (polls, imports through the one import loop,
exports, the follow-up drain, alert deliveries), healing, the poll dispatcher, the worker entry
and the delivery transports (SMTP, webhooks)."""
