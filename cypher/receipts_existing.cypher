// Which of these write ids were committed.
UNWIND $ids AS id
MATCH (w:WriteReceipt {id: id})
RETURN w.id AS id, w.at AS at
