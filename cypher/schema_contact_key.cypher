// One contact card per person key.
CREATE CONSTRAINT contact_card_key IF NOT EXISTS FOR (c:ContactCard) REQUIRE c.key IS UNIQUE
