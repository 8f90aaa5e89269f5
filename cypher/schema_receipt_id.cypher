// One receipt per write id: what makes a retried write (same Idempotency-Key) happen once.
CREATE CONSTRAINT write_receipt_id IF NOT EXISTS FOR (w:WriteReceipt) REQUIRE w.id IS UNIQUE
