"""Our WebTorrent-style tracker for the viewers' P2P (p2p-media-loader over WebRTC), and our STUN responder.

A layer beside videos.api and videos.web: it reads the videos core (which videos may be shared) and is
reached through sideways.asgi, which hands it the WebSocket connections of /tracker/socket.
docs/p2p.md explains the protocol, the info-hash recipes and how web workers share swarms.
"""
