"""``orebloc.service``: the bloc's multi-member REST service (an interface layer).

FastAPI app (``app.create_app``), SQLAlchemy store (``store``), accounts and tokens
(``security``), the declared policy table (``policy``), the hash-chained audit log (``audit``),
jobs (``jobs``) and the stockpile questionnaire rounds (``rounds``). The core packages never
import this package; it calls them.
"""
