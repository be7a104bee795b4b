"""Alerts: spike and silence detection on mention volume, incidents, and the backtest."""
