"""The moving parts: the queue (RQ or inline), jobs, the poll dispatcher, the worker entry."""
