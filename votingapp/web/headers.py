"""Security headers on every answer: a strict Content-Security-Policy (no inline script, no
framing, nothing loaded from elsewhere: a meeting hall may have no internet anyway), no MIME
sniffing, and a referrer policy that keeps the voter page's address (and the token in its
fragment, never sent anyway) from travelling on."""

from __future__ import annotations

from flask import request

#: htmx adds a <style> for its indicators and a few bars are sized by style="": styles may be
#: inline, scripts never (script-src 'self', no 'unsafe-inline', no eval)
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
#: the voter's pages: nothing of their address is sent anywhere
VOTER_PATHS = ("/v", "/api/v1/ballot/", "/receipt")


#: what every answer carries unless its view set the header itself; the referrer policy last
_ALWAYS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
           ("X-Frame-Options", "DENY"))
_FOR_VOTER = (*_ALWAYS, ("Referrer-Policy", "no-referrer"))
_FOR_OTHERS = (*_ALWAYS, ("Referrer-Policy", "same-origin"))


def add_security_headers(response):
    """As headers.setdefault for each, in one pass over the answer's headers (four setdefault
    calls scanned them eight times: a twentieth of a trivial request's CPU)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}  # a Headers yields (name, value) pairs
    path = request.path
    voter = path == "/v" or path.startswith(VOTER_PATHS[1:])
    for name, value in _FOR_VOTER if voter else _FOR_OTHERS:
        if name.lower() not in present:
            headers.add(name, value)
    return response
