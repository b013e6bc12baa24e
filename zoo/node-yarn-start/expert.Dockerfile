# Build stage: yarn, dev dependencies (marked) and the build that renders public/
FROM node:18 AS build
RUN npm install -g yarn
WORKDIR /opt/app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
COPY content ./content
COPY scripts ./scripts
RUN yarn build
# production-only node_modules for the runtime
RUN rm -rf node_modules \
 && yarn install --frozen-lockfile --production \
 && yarn cache clean

# Runtime: slim node, production node_modules, server and the rendered pages only
FROM node:18-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /opt/app
COPY --from=build /opt/app/node_modules ./node_modules
COPY package.json server.js ./
COPY --from=build /opt/app/public ./public
USER node
EXPOSE 8080
# what "yarn start" runs, without yarn in between
CMD ["node", "server.js"]
