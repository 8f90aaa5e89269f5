// One node per bookkeeping key (the change counter); the index makes reading it constant-time.
CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:Meta) REQUIRE m.key IS UNIQUE
