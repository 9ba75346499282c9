# pixelwise as a container: `serve` by default (HTTP API, web page, /healthz, /metrics), or a batch
# worker with another command (deploy/k8s/worker.yaml). The shipped models are inside.
#   docker build -t pixelwise .
#   docker run -p 8080:8080 pixelwise
#   docker run pixelwise batch worker --queue redis://REDIS:6379
FROM node:22-bookworm-slim AS build
WORKDIR /app
# npm 10 runs every install script: onnxruntime-node's would download CUDA libraries pixelwise
# does not use (README: allowScripts).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The compiled package (dist/, the browser module), then only what running it needs.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# onnxruntime-node ships its native library for every OS and CPU (most of the image's size): keep
# the one this image runs on.
RUN arch=$(node -p process.arch) && cd node_modules/onnxruntime-node/bin/napi-v6 \
  && find . -mindepth 2 -maxdepth 2 -type d ! -path "./linux/$arch" -exec rm -rf {} + \
  && test -d "linux/$arch"

FROM node:22-bookworm-slim
ENV NODE_ENV=production
# Legends, charts and contact-sheet captions are SVG text that sharp (librsvg) draws: a font.
RUN apt-get update && apt-get install -y --no-install-recommends fontconfig fonts-dejavu-core \
  && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/web ./web
COPY --from=build --chown=node:node /app/models ./models
COPY --from=build --chown=node:node /app/assets ./assets
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/pixelwise.js"]
# Behind a Service or ingress the Host header is the service's name: the proxy checks hosts.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--allowed-hosts", "*"]
