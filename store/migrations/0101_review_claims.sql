-- review_claims says who is working on a form in the review UI, so that two
-- reviewers never work the same form. A claim lapses at expires_at unless
-- its holder's activity renews it.
CREATE TABLE review_claims (
    form_id     bigint      PRIMARY KEY REFERENCES forms (id),
    user_name   text        NOT NULL REFERENCES users (name),
    claimed_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
