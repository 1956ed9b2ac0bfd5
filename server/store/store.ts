// The store's narrow, asynchronous interface: accounts and saved programs (the ledger lives beside it
// in ledger.ts). Everything above this room talks to these types only, so a PostgreSQL version can
// replace the SQLite one without touching the front end.

export type ProgramLang = 'basic' | 'asm' | 'text';

export interface Account {
  name: string;
  /** encoded scrypt hash with its parameters (see server/frontend/password.ts) */
  password: string;
  operator: boolean;
  /** micro-dollars; null = unlimited */
  budget: number | null;
  createdAt: number;
  lastLogin: number | null;
}

export interface ProgramInfo {
  name: string;
  lang: ProgramLang;
  /** characters of text */
  size: number;
  savedAt: number;
}

export interface Program extends ProgramInfo {
  owner: string;
  text: string;
}

export type SaveResult = 'saved' | 'replaced' | 'duplicate';
export type RenameResult = 'renamed' | 'missing' | 'duplicate';

export interface AccountStore {
  get(name: string): Promise<Account | null>;
  /** false when the name is taken */
  create(a: { name: string; password: string; operator?: boolean; budget?: number | null }): Promise<boolean>;
  /** Records a login now and returns the previous login time (null: first login). */
  recordLogin(name: string, at: number): Promise<number | null>;
  /** false when there is no such account */
  setBudget(name: string, budget: number | null): Promise<boolean>;
  setPassword(name: string, password: string): Promise<boolean>;
  list(): Promise<Account[]>;
}

/** Every call is scoped to one owner: a user can reach only their own rows. */
export interface ProgramStore {
  list(owner: string): Promise<ProgramInfo[]>;
  get(owner: string, name: string): Promise<Program | null>;
  /** replace=false refuses to overwrite ('duplicate'); replace=true overwrites or creates. */
  save(owner: string, p: { name: string; lang: ProgramLang; text: string }, replace: boolean): Promise<SaveResult>;
  /** false when there was no such program */
  delete(owner: string, name: string): Promise<boolean>;
  rename(owner: string, from: string, to: string, lang: ProgramLang): Promise<RenameResult>;
}

export interface Store {
  readonly accounts: AccountStore;
  readonly programs: ProgramStore;
  close(): Promise<void>;
}
