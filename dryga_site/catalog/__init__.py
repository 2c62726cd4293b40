"""The project catalog: project pages checked and paneled, catalog cards, links between posts
and projects (with the catalog's static file)."""
