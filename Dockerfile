# The app image for docker-compose.yml (Neo4j mode; the embedded database is not used there).
# Installed editable: cypher/ and data/ are read from the source tree beside the packages.
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY cypher cypher
COPY loaders loaders
COPY questions questions
COPY api api
COPY viz viz
COPY partnergraph partnergraph
COPY data/helsinki data/helsinki
COPY data/sources data/sources
RUN pip install --no-cache-dir -e . && useradd --create-home partnergraph
USER partnergraph
EXPOSE 8000
CMD ["partnergraph", "serve"]
