// Roll back a staged load: put back a contact card's fields as they were before the load.
UNWIND $rows AS row
MATCH (c:ContactCard {key: row.key})
SET c = row.props
