// oidc-provider's storage for one loopback provider. Its own memory adapter is one LRU for the whole
// process; this one is per provider, and answers `Client` look-ups from the clients the test
// registered, which is how oidc-provider lets clients appear after it started.
import type { Adapter, AdapterConstructor, AdapterPayload, ClientMetadata } from 'oidc-provider';

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function memoryAdapter(clients: Map<string, ClientMetadata>): AdapterConstructor {
  const items = new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
  const grants = new Map<string, Set<string>>(); // grantId → keys of the tokens issued under it
  const byUid = new Map<string, string>(); // session uid → key
  const byUserCode = new Map<string, string>();
  const live = (key: string | undefined) => {
    const item = key === undefined ? undefined : items.get(key);
    if (!item) return undefined;
    if (item.expiresAt !== undefined && item.expiresAt < Date.now()) return undefined;
    return item.payload;
  };

  return class MemoryAdapter implements Adapter {
    constructor(readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      const key = this.key(id);
      items.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      // Only tokens go when their grant is revoked (an Interaction also names a grantId).
      if (payload.grantId && GRANTABLE.has(this.model)) grants.set(payload.grantId, (grants.get(payload.grantId) ?? new Set()).add(key));
      if (payload.uid && this.model === 'Session') byUid.set(payload.uid, key);
      if (payload.userCode && this.model === 'DeviceCode') byUserCode.set(payload.userCode, key);
    }
    async find(id: string) {
      if (this.model === 'Client') {
        const client = clients.get(id);
        return client && ({ ...client } as AdapterPayload);
      }
      return live(this.key(id));
    }
    async findByUid(uid: string) {
      return live(byUid.get(uid));
    }
    async findByUserCode(userCode: string) {
      return live(byUserCode.get(userCode));
    }
    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      items.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const key of grants.get(grantId) ?? []) items.delete(key);
      grants.delete(grantId);
    }
  };
}
