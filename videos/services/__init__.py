"""What the web pages, the API, transcoding and federation may ask of the video domain."""
