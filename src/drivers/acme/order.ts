import type * as Acme from 'acme-client';

/** An ACME account: the server's directory URL, the account's key (PEM) and its contact. */
export interface AcmeAccount {
  directory: string;
  key: string;
  email?: string;
}

/** Where http-01 answers go: a file the proxy serves at `/.well-known/acme-challenge/<token>`. */
export interface Http01Webroot {
  put(token: string, content: string): void;
  remove(token: string): void;
}

/** A certificate the ACME server issued: its private key and the chain (leaf first), both PEM. */
export interface Issued {
  key: string;
  chain: string;
}

/** RFC 8555 tokens are base64url; anything else from the server must not become a file name. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Orders one certificate for `hosts` over http-01 and waits for it. acme-client (and its axios,
 * forge and x509 dependencies, about 0.3 s to load) is imported here, on the first order, so no
 * command that only reads certificates pays for it. An ACME server with a private root (Pebble)
 * is trusted through `NODE_EXTRA_CA_CERTS`.
 */
export async function orderCertificate(
  account: AcmeAccount,
  hosts: readonly string[],
  webroot: Http01Webroot,
): Promise<Issued> {
  const acme = ((await import('acme-client')) as unknown as { default: typeof Acme }).default;
  const client = new acme.Client({
    directoryUrl: account.directory,
    accountKey: account.key,
    // The defaults poll from 5 s on, for a production CA's queue; a challenge is usually checked in well under a second.
    backoffAttempts: 12,
    backoffMin: 250,
    backoffMax: 5000,
  });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: hosts[0]!, altNames: [...hosts] },
    await acme.crypto.createPrivateEcdsaKey(),
  );
  const tokenOf = (challenge: { token: string }) => {
    if (!TOKEN.test(challenge.token)) throw new Error(`the ACME server sent a malformed token`);
    return challenge.token;
  };
  const chain = await client.auto({
    csr,
    ...(account.email ? { email: account.email } : {}),
    termsOfServiceAgreed: true,
    challengePriority: ['http-01'],
    // acme-client's own check fetches the challenge through this machine's resolver and port 80;
    // the ACME server's verdict (with its reason) is the one that counts.
    skipChallengeVerification: true,
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'http-01') throw new Error(`the ACME server offers no http-01 challenge`);
      webroot.put(tokenOf(challenge), keyAuthorization);
    },
    challengeRemoveFn: async (_authz, challenge) => webroot.remove(tokenOf(challenge)),
  });
  return { key: key.toString(), chain };
}
