"""The filters every picture taken from a source goes through first, for renditions and images alike.

Browsers show frames progressively, so interlaced sources (TV, DV and DVD video) are deinterlaced,
one frame out for one frame in (the frame rate stays the source's); bwdif only touches the frames
flagged interlaced, so a mostly progressive file is left as it is.
"""

from __future__ import annotations

from videos.probe import VideoStream

DEINTERLACE = "bwdif=mode=send_frame:deint=interlaced"


def progressive(video: VideoStream) -> list[str]:
    """The filters (possibly none) that make the source's frames progressive."""
    return [DEINTERLACE] if video.interlaced else []
