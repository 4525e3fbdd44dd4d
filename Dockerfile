FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && (test ! -f package.json || (npm ci && npm run build))
EXPOSE 9000
# The web server (docker-compose runs the worker and beat from this image with their own commands).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec scripts/web 0.0.0.0:9000"]
