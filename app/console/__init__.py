"""The web console's building blocks: templates, static files, the login session, the document
library. Its pages are served by :mod:`app.api.console` and :mod:`app.api.documents`."""
