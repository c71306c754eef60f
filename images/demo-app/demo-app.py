#!/usr/bin/python3
"""stagecraft's demo app: a small HTTP service built from Debian packages only.

GET /health      200 when the app runs (503 when DEMO_BROKEN=1: a broken release)
GET /metrics     Prometheus text: http_requests_total and http_request_duration_seconds
GET /db          proves DATABASE_URL works (counts the rows of `items`)
GET /cache       proves REDIS_URL works (a set and a get)
GET /queue       proves RABBITMQ_URL works (publish, then consume, one message)
POST /items      adds a row to `items` (for backup and restore checks)
GET /connect?host=H&port=P   tries a TCP connection from inside (for isolation probes)
`demo-app migrate` creates the `items` table (the release step).
"""
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
lock = threading.Lock()
requests = {}
durations = {}


def observe(method, path, status, seconds):
    with lock:
        key = (method, str(status))
        requests[key] = requests.get(key, 0) + 1
        counts = durations.setdefault(path, [0] * (len(BUCKETS) + 2))
        for i, le in enumerate(BUCKETS):
            if seconds <= le:
                counts[i] += 1
        counts[len(BUCKETS)] += 1
        counts[len(BUCKETS) + 1] += seconds


def metrics_text():
    lines = ['# TYPE http_requests_total counter']
    with lock:
        for (method, status), n in sorted(requests.items()):
            lines.append(f'http_requests_total{{method="{method}",status="{status}"}} {n}')
        lines.append('# TYPE http_request_duration_seconds histogram')
        for path, counts in sorted(durations.items()):
            for i, le in enumerate(BUCKETS):
                lines.append(f'http_request_duration_seconds_bucket{{path="{path}",le="{le}"}} {counts[i]}')
            lines.append(f'http_request_duration_seconds_bucket{{path="{path}",le="+Inf"}} {counts[len(BUCKETS)]}')
            lines.append(f'http_request_duration_seconds_count{{path="{path}"}} {counts[len(BUCKETS)]}')
            lines.append(f'http_request_duration_seconds_sum{{path="{path}"}} {counts[len(BUCKETS) + 1]}')
    return '\n'.join(lines) + '\n'


def database():
    import psycopg2
    return psycopg2.connect(os.environ['DATABASE_URL'], connect_timeout=3)


def migrate():
    with database() as conn, conn.cursor() as cur:
        cur.execute('CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now())')
    print('migrated: table items is ready', flush=True)


def check_db():
    with database() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM items")
        return {'database': 'ok', 'items': cur.fetchone()[0]}


def add_item(name):
    with database() as conn, conn.cursor() as cur:
        cur.execute('INSERT INTO items (name) VALUES (%s) RETURNING id', (name,))
        return {'id': cur.fetchone()[0]}


def check_cache():
    import redis
    r = redis.Redis.from_url(os.environ['REDIS_URL'], socket_timeout=3)
    r.set('stagecraft:demo', str(time.time()))
    return {'cache': 'ok', 'value': r.get('stagecraft:demo').decode()}


def check_queue():
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(os.environ['RABBITMQ_URL']))
    try:
        ch = conn.channel()
        ch.queue_declare(queue='stagecraft-demo', auto_delete=True)
        ch.basic_publish(exchange='', routing_key='stagecraft-demo', body=b'ping')
        method, _, body = ch.basic_get(queue='stagecraft-demo', auto_ack=True)
        return {'queue': 'ok', 'message': body.decode() if body else None}
    finally:
        conn.close()


def try_connect(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return {'host': host, 'port': int(port), 'connected': True}
    except OSError as e:
        return {'host': host, 'port': int(port), 'connected': False, 'error': str(e)}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stdout.write(json.dumps({'msg': fmt % args, 'client': self.client_address[0]}) + '\n')
        sys.stdout.flush()

    def reply(self, status, body, content_type='application/json'):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status

    def route(self, method):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == '/health':
            broken = os.environ.get('DEMO_BROKEN') == '1'
            return self.reply(503 if broken else 200, {'status': 'broken' if broken else 'ok', 'version': os.environ.get('DEMO_VERSION', '1')})
        if url.path == '/metrics':
            return self.reply(200, metrics_text(), 'text/plain; version=0.0.4')
        try:
            if url.path == '/db':
                return self.reply(200, check_db())
            if url.path == '/cache':
                return self.reply(200, check_cache())
            if url.path == '/queue':
                return self.reply(200, check_queue())
            if url.path == '/items' and method == 'POST':
                return self.reply(201, add_item(query.get('name', 'item')))
            if url.path == '/connect':
                return self.reply(200, try_connect(query['host'], query['port']))
            if url.path == '/':
                return self.reply(200, {'app': 'stagecraft demo', 'project': os.environ.get('STAGECRAFT_PROJECT'), 'version': os.environ.get('DEMO_VERSION', '1')})
        except Exception as e:  # the demo reports what failed rather than dying
            return self.reply(500, {'error': type(e).__name__, 'detail': str(e)})
        return self.reply(404, {'error': 'not found'})

    def handle_any(self, method):
        start = time.monotonic()
        status = self.route(method)
        observe(method, urllib.parse.urlparse(self.path).path, status, time.monotonic() - start)

    def do_GET(self):
        self.handle_any('GET')

    def do_POST(self):
        self.handle_any('POST')


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'migrate':
        migrate()
        return
    port = int(os.environ.get('PORT', '8000'))
    server = ThreadingHTTPServer(('0.0.0.0', port), Handler)
    # A stop (SIGTERM, forwarded by the init process) is graceful: the requests in flight get their
    # whole answer, then the listener closes (a connection still queued on it is reset before any
    # answer, so the proxy tries another replica) and the app exits. Python's default would end the
    # process at once, cutting an answer in the middle: the one failed request of a rolling update.
    # Answers are HTTP/1.0 (one request a connection), so no idle keep-alive outlives the stop.
    server.daemon_threads = False
    server.block_on_close = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(json.dumps({'msg': f'listening on {port}'}), flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()  # waits for the handler threads still answering
    print(json.dumps({'msg': 'stopped: every request in flight was answered'}), flush=True)


if __name__ == '__main__':
    main()
