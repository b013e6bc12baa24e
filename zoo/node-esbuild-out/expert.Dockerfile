# Build stage: install esbuild and the (bundled) dependencies, produce one file
FROM node:18 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src ./src
RUN npm run build

# Runtime: the bundle needs no node_modules, only node
FROM node:18-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/build/index.js ./build/index.js
USER node
EXPOSE 8080
CMD ["node", "build/index.js"]
