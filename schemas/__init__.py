"""The contract: sheet columns, domain enums, the issue catalogue. No I/O."""
