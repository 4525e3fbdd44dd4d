"""What we send: deliveries, the news of our videos, comments and ratings, following other instances."""
