/**
 * A counter of changes to the credential tables (users, api_keys), bumped
 * by every write in src/db that can change who a credential belongs to or
 * what it may do: revoking or deleting a key, any change to a user (status,
 * role, limits, password, capture mode, sessions), deleting a user.
 *
 * The isolate's credential cache (src/auth/credential-cache.ts) stamps each
 * entry with the epoch current *before* its rows were read and trusts it only
 * while the epoch is unchanged. A write bumps the epoch after D1 committed
 * it and before its route answers, so the very next request reads D1 again.
 *
 * Why per-isolate memory is enough here: under workerd one isolate runs the
 * worker (and its Durable Objects), and every credential write goes through
 * these modules in that isolate. A runtime with several isolates (Cloudflare)
 * needs the epoch carried to each of them (see README "Performance"); until
 * then GATEHOUSE_CREDENTIAL_CACHE=off is the setting for such a deployment.
 */

let epoch = 0;

/** The current epoch: read it before reading the rows a cache entry will hold. */
export function credentialEpoch(): number {
  return epoch;
}

/** Call after a write to users or api_keys has committed. */
export function credentialsChanged(): void {
  epoch++;
}
