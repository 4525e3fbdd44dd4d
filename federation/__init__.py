"""ActivityPub federation: actors, keys, signatures. Imports videos; nothing imports federation."""
