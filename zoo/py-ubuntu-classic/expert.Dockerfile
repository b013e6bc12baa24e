# The ubuntu image only supplied python3 and pip: the slim python image has both already,
# so no apt layer at all; one pip layer without its cache; a non-root user.
FROM python:3.8-slim
ENV PYTHONUNBUFFERED=1
RUN pip install --no-cache-dir flask requests
COPY app.py /opt/app.py
USER nobody
EXPOSE 5000
CMD ["python3", "/opt/app.py"]
