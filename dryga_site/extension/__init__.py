"""The Sphinx plumbing every feature shares.

The state kept between builds, author errors and the warning count, the static files and
shared nodes, the front-matter check on reading a page, canonical URLs, the sitemap, the table
of contents and the assets each page loads.
"""
