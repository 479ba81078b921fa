"""Demo and reference data: Ibaraki's municipalities, programme languages and sample supporters."""
