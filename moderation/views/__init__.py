"""Server-rendered pages: the landing page, registration, log in/out and the owner's pages."""
