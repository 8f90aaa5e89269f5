// The commit marker of one write, created in the write's own transaction.
CREATE (:WriteReceipt {id: $id, at: $at})
