"""What a page says about itself: front matter, the schemas of posts and projects, what a post is.

Pure Python (YAML and JSON, no Sphinx and no ablog), used alike by the build and by the
authoring commands.
"""
