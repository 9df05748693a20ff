"""The public JSON API under /api/v1/ (OpenAPI 3.1), and a radio-browser-compatible subset
under /json/."""
