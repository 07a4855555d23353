# The API / worker image. torch is installed first on its own so the CPU build can be chosen
# (pass --build-arg TORCH_SPEC="torch==2.13.0" plus PIP_EXTRA_INDEX_URL pointing at a CPU wheel index if needed).
FROM python:3.11-slim
ARG TORCH_SPEC="torch==2.13.0"
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
WORKDIR /app
RUN pip install --no-cache-dir "${TORCH_SPEC}"
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY ingest ./ingest
COPY cypher ./cypher
COPY dtc ./dtc
RUN pip install --no-cache-dir .
RUN useradd --create-home twin
USER twin
EXPOSE 8000
CMD ["dtc", "serve", "--host", "0.0.0.0", "--port", "8000"]
