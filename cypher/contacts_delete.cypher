// Roll back a staged load: remove the contact cards it created for persons that already existed.
UNWIND $keys AS k
MATCH (c:ContactCard {key: k})
DETACH DELETE c
