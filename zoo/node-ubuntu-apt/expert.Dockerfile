# Dependencies stage: npm is only needed to fetch node_modules
FROM ubuntu:22.04 AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/flags
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

# Runtime: the same distribution, nodejs alone (no npm, no recommends), apt lists removed
FROM ubuntu:22.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home flags
WORKDIR /opt/flags
COPY --from=deps /opt/flags/node_modules ./node_modules
COPY package.json index.js flags.yml ./
USER flags
EXPOSE 8080
CMD ["node", "index.js"]
