# Build stage: node, esbuild, the bundle
FROM node:18 AS build
WORKDIR /root/code
COPY package.json package-lock.json ./
RUN npm ci
COPY build.js ./
COPY public ./public
COPY src ./src
RUN npm run build

# Runtime: no node at all, a slim debian with the light nginx and the built files only
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /root/code/dist/ /var/www/html/
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
