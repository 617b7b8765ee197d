// The yardstick: graphql-yoga with its defaults answering `{ __typename }` on node:http, nothing
// else. `npm run bench` runs it beside the product with the same Node and divides by it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({ schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }), logging: false });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`ready at http://127.0.0.1:${port}/graphql`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
