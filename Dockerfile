# The image Prefect's Docker or Kubernetes workers run flow runs in (and `returns serve`
# can run in): the project, its Python packages from the lock file, and the programs the
# extractors call (Tesseract, LibreOffice Writer, Ghostscript, poppler).
#
#   docker build -t returns:latest .
#   docker run --rm returns:latest returns extract /data/return.pdf
#
# Configuration at run time only (never baked in): RETURNS_DATABASE_URL (PostgreSQL),
# RETURNS_BLOB_ROOT (a shared volume or mounted object storage), RETURNS_MAILBOX_URL,
# RETURNS_OUTBOX_URL, RETURNS_MAILBOX_PASSWORD / RETURNS_SMTP_PASSWORD (from the
# orchestrator's secrets), PREFECT_API_URL. See README: "Beyond one machine".
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 OMP_THREAD_LIMIT=1
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng \
      libreoffice-writer-nogui ghostscript poppler-utils qpdf \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 returns
WORKDIR /opt/returns
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md prefect.yaml ./
COPY core core
COPY schemas schemas
COPY extractors extractors
COPY mail mail
COPY warehouse warehouse
COPY pipeline pipeline
COPY flows flows
COPY cli cli
RUN pip install --no-deps .

USER returns
ENV RETURNS_HOME=/home/returns/var
CMD ["returns", "--help"]
