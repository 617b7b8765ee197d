// A script or mobile app without cookies: ask for the token in a header, send it as Bearer,
// and keep the refreshed token every answer hands back (or the session ends after 10 idle minutes).
const API = process.env.API_URL ?? 'http://localhost:4000/graphql';
let token = null;

async function graphql(query, variables = {}) {
  const headers = { 'content-type': 'application/json', 'x-session-transport': 'header' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(API, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  token = response.headers.get('x-session-token') ?? token;
  const { data, errors } = await response.json();
  if (errors) throw new Error(`${errors[0].extensions?.code}: ${errors[0].message}`);
  return data;
}

const email = process.env.EMAIL ?? `node-${Date.now()}@example.com`;
const password = 'violet-harbor-cactus-42';
const signUp = `mutation ($input: SignUpInput!) { signUp(input: $input) { message } }`;
console.log((await graphql(signUp, { input: { username: 'Node', email, password } })).signUp.message);
console.log((await graphql('{ dashboard { message session { expiresAt } } }')).dashboard.message);
console.log((await graphql('mutation { logout { message } }')).logout.message);
token = null;
await graphql('{ dashboard { message } }').catch((error) => console.log(error.message));
