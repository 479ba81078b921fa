"""The national administrator's pages ([6/6]): the programmes, adding one, national aggregates."""
