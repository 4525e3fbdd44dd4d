"""Our ActivityPub documents: actors, videos, comments, ratings, collections, and the activities that carry
them. Built from rows; they send and store nothing."""
