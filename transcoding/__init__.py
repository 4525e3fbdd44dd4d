"""The ffmpeg pipeline that turns an original upload into PeerTube's HLS layout. No HTTP, no federation."""
