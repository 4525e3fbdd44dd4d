"""ActivityPub on the wire: our ids, JSON-LD, HTTP and JSON-LD signatures, the one outbound HTTP client.
No database rows here; everything above builds on it."""
