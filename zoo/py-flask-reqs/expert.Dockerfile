# Pure-Python dependencies: one slim stage, manifest first so source edits keep the pip layer cached.
FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
COPY templates ./templates
USER nobody
EXPOSE 5000
CMD ["python", "app.py"]
