"""Forms shared by the views."""
