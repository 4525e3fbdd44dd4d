"""Who speaks: our actors (`local`, with the keys they sign with) and peers' actors (`remote`, fetched,
checked and cached)."""
