"""Open data (issue 21): the shared tables defined once (`datasets`), served read-only by the API
(`api`, behind a token) and written by the open export (`export`, with a Frictionless Data Package)."""
