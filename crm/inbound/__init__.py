"""The inbound API's credentials and replay guard: push sources that a forum plugin or n8n feeds."""
