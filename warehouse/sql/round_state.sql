-- One round's state (open / closed / locked); no row when the round does not exist.
SELECT code, state FROM rounds WHERE code = $round
