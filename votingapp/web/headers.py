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


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    voter = request.path == "/v" or request.path.startswith(VOTER_PATHS[1:])
    headers.setdefault("Referrer-Policy", "no-referrer" if voter else "same-origin")
    return response
