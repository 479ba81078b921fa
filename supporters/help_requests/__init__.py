"""Help requests: intake (console and public form), lifecycle, matching against the registry,
offers to supporters. Services here never commit; the request's unit of work does."""
