#!/usr/bin/env bash
# Briefings as PDF use WeasyPrint (a pip package), which needs Pango and HarfBuzz from the system.
# Debian's chromium (tools/ensure-chromium.sh) and any desktop bring them; install them when
# missing and we can (root with apt-get). Without them everything works except PDF briefings,
# which answer 503 saying what to install.
set -euo pipefail
PYTHON="${1:-.venv/bin/python}"
if "$PYTHON" -c "import weasyprint" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Pango and HarfBuzz for PDF briefings"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
else
  echo "PDF briefings need Pango and HarfBuzz (Debian: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0);" \
       "HTML and Markdown briefings work without them." >&2
fi
