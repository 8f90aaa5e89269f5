// Every entity of one kind (a schema-checked placeholder), with its properties.
MATCH (n:Entity:__Kind__)
RETURN properties(n) AS props
