"""Page requisites: what an archived HTML page needs to render (images, stylesheets, fonts, scripts, media).

:mod:`.discovery` finds them (pure functions: lxml for HTML, tinycss2 for CSS);
:mod:`.middleware` fetches them through the crawler's own downloader and capture middleware
and links each to its page (:mod:`storage.requisites`).
"""
