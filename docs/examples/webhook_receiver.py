import hashlib, hmac, json, os, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["FRONTDESK_WEBHOOK_SECRET"].encode()  # whsec_…, shown once on Admin → Webhooks

class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sig = dict(p.split("=", 1) for p in self.headers.get("Frontdesk-Signature", "").split(",") if "=" in p)
        t = sig.get("t", "0")
        expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not t.isdigit() or abs(time.time() - int(t)) > 300 or not hmac.compare_digest(expected, sig.get("v1", "")):
            self.send_response(400)
            self.end_headers()
            return
        event = json.loads(body)
        # At-least-once: a repeat carries the same Frontdesk-Delivery id; skip ids already handled.
        print(self.headers["Frontdesk-Delivery"], event["event"], event["data"], flush=True)
        self.send_response(204)
        self.end_headers()

HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Hook).serve_forever()
