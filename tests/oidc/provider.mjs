// A real OpenID provider for the SSO tests (node-oidc-provider), configured by environment:
//   OIDC_PORT            port to listen on (127.0.0.1)
//   OIDC_ISSUER          issuer URL (default http://127.0.0.1:<port>)
//   OIDC_KEY_ID          kid of the RSA signing key generated at start (a restart with another kid = a rotation)
//   OIDC_CLIENT          JSON: {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_ACCOUNTS        JSON: {"<login>": {email, email_verified, preferred_username, groups}}
//   OIDC_USERINFO_ONLY   "1": e-mail, profile and groups only from the userinfo endpoint, as Authelia does
// The development login page takes any password for a login listed in OIDC_ACCOUNTS.
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: process.env.OIDC_KEY_ID || "key-1", alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      post_logout_redirect_uris: client.post_logout_redirect_uris || [],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  conformIdTokenClaims: process.env.OIDC_USERINFO_ONLY === "1",
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["preferred_username", "name"],
    groups: ["groups"],
  },
  scopes: ["openid", "email", "profile", "groups"],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(_ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, ...account }; } };
  },
  // First-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    grant.addOIDCClaims(["email", "email_verified", "preferred_username", "name", "groups"]);
    await grant.save();
    return grant;
  },
});
provider.on("server_error", (_ctx, err) => console.error("server_error", err));

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`listening ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
