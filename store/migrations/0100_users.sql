-- The review web UI's accounts and sessions (package review).

-- users are the people who sign in to the review UI; `intake users add`
-- creates them. password_hash is a bcrypt hash.
CREATE TABLE users (
    name          text        PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    role          text        NOT NULL CHECK (role IN ('reviewer', 'provisioner', 'admin')),
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- sessions are signed-in browsers. The cookie holds a random token; only
-- its SHA-256 is kept, so a copy of the table signs nobody in. The CSRF
-- token is checked on every POST of the session.
CREATE TABLE sessions (
    token_hash  text        PRIMARY KEY,
    user_name   text        NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf_token  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
