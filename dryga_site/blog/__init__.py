"""The blog on top of ablog: drafts and scheduled posts, neighbours, listing pages and the feed."""
