import type { Db } from '../store/database.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import { SyncCredentials } from '../../../schemas/sync.ts';

/**
 * Where the tracking server's credentials are kept: never in a plain-text file or a plain SQLite column.
 *
 * - Under Node (the CLI, tests) `MemorySecretStore` holds them for the life of the process only; the CLI
 *   takes them from MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN instead (see connection.ts).
 * - In the Electron main process `EncryptedSecretStore` over Electron's `safeStorage` (the OS keyring:
 *   Keychain, DPAPI, libsecret) keeps only ciphertext in SQLite; pass it to `SyncService.useSecretStore`.
 */
export interface SecretStore {
  /** The stored credentials, or null. */
  get(): SyncCredentials | null;
  /** Stores (or, with null, forgets) the credentials. */
  set(credentials: SyncCredentials | null): void;
}

/** Credentials held in this process's memory only. */
export class MemorySecretStore implements SecretStore {
  private credentials: SyncCredentials | null = null;

  get(): SyncCredentials | null {
    return this.credentials;
  }

  set(credentials: SyncCredentials | null): void {
    this.credentials = credentials;
  }
}

/** The part of Electron's `safeStorage` this needs (it matches `safeStorage` as is). */
export interface StringCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const KEY = 'credentials.encrypted';

/** Credentials encrypted by the OS keyring (Electron `safeStorage`), ciphertext kept in `sync_meta`. */
export class EncryptedSecretStore implements SecretStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: StringCipher,
  ) {}

  get(): SyncCredentials | null {
    const row = this.db.prepare('SELECT value FROM sync_meta WHERE key = ?').get(KEY) as { value: string } | undefined;
    if (!row || !this.cipher.isEncryptionAvailable()) return null;
    const parsed = SyncCredentials.safeParse(JSON.parse(this.cipher.decryptString(Buffer.from(row.value, 'base64'))));
    return parsed.success ? parsed.data : null;
  }

  set(credentials: SyncCredentials | null): void {
    if (credentials === null) {
      this.db.prepare('DELETE FROM sync_meta WHERE key = ?').run(KEY);
      return;
    }
    if (!this.cipher.isEncryptionAvailable()) {
      throw new AirlockError('INVALID_INPUT', 'The OS keyring is not available, so Airlock will not store the credentials.', {
        hint: 'Give them through MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) instead.',
      });
    }
    const encrypted = this.cipher.encryptString(JSON.stringify(credentials)).toString('base64');
    this.db.prepare('INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(KEY, encrypted);
  }
}
