"""What peers send us: the inbox's verification and storage, the handlers of each verb, the remote videos
and comments they carry, and crawling a followed instance's outbox."""
