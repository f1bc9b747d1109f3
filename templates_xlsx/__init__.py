"""Excel: personalised templates out, uploads read back into Polars frames that remember each cell."""
