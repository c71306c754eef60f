"""The release step (the seed runs `alembic upgrade head`): the schema the API needs."""

from app.main import database

with database() as conn, conn.cursor() as cur:
    cur.execute("CREATE TABLE IF NOT EXISTS builds (id serial PRIMARY KEY, name text NOT NULL)")
    cur.execute("INSERT INTO builds (name) SELECT 'Zerg frontline' WHERE NOT EXISTS (SELECT 1 FROM builds)")
print("migrated")
