"""The MkDocs front end: a thin plugin over the site plan."""
