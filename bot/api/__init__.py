"""The HTTP API for order systems: promises at risk in, case events out (see README "Connecting your order
system"). Domain code: no Slack imports. `wsgi.py` serves it; `service.py` is its one door into cases."""
