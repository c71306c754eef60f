"""The GW2 WvW Builder API, reduced to what staging checks: health with its stores, builds, metrics."""
import os
import time

import psycopg2
import redis
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

API = os.environ.get("API_V1_STR", "/api/v1")
app = FastAPI(title="GW2 WvW Builder API", docs_url="/docs", openapi_url=f"{API}/openapi.json")
REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "status"])
DURATION = Histogram("http_request_duration_seconds", "HTTP request duration", ["path"])


@app.middleware("http")
async def measure(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    REQUESTS.labels(request.method, str(response.status_code)).inc()
    DURATION.labels(request.url.path).observe(time.perf_counter() - started)
    return response


def database():
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=3)


@app.get(f"{API}/health")
def health():
    checks = {}
    try:
        with database() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM builds")
            checks["database"] = "ok"
    except Exception as e:  # the health answer names what failed
        checks["database"] = type(e).__name__
    try:
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=3).ping()
        checks["redis"] = "ok"
    except Exception as e:
        checks["redis"] = type(e).__name__
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ok else "degraded", "version": os.environ.get("APP_VERSION", "?"), **checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@app.get("/health")
def liveness():
    return {"status": "ok"}


@app.get(f"{API}/builds")
def builds():
    with database() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, name FROM builds ORDER BY id")
        return [{"id": i, "name": n} for i, n in cur.fetchall()]


@app.get("/metrics")
def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
