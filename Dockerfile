# motcua runtime image: one image, one role per container (api | worker | projector).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY bin ./bin
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY services ./services
# The bootstrap installs the locked packages and generates the Prisma client once, at build time.
RUN node bin/motcua.js --help
USER node
ENTRYPOINT ["node", "bin/motcua.js"]
CMD ["api"]
