"""The video domain: accounts, channels, videos and their files. The leaf app: it imports no other project app."""
