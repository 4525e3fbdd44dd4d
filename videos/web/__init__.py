"""HTML pages and file serving for viewers and uploaders."""
