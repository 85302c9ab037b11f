"""The web app: server-rendered pages (Jinja2), one ES module per page, plain CSS themes."""
