# Build stage: the full image already has gcc, ruby-dev and libpq-dev; pg's C extension is
# compiled from the cached gem into /usr/local/bundle (GEM_HOME), offline.
FROM ruby:3.1 AS build
WORKDIR /app
COPY Gemfile Gemfile.lock ./
COPY vendor/cache vendor/cache
RUN bundle install --local
COPY app.rb ./

# Runtime: slim ruby plus the libpq shared library only, the installed gems and the app
# (with its Gemfile and lockfile, which bundler/setup reads).
FROM ruby:3.1-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home app
COPY --from=build /usr/local/bundle /usr/local/bundle
WORKDIR /app
COPY --from=build /app /app
USER app
CMD ["ruby", "app.rb"]
