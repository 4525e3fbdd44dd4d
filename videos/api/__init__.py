"""The PeerTube-compatible REST API (/api/v1), built with Django REST framework."""
