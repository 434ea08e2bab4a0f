import type { DataBoundary } from "../backends/types";
import type { Limits } from "../governance/limits";
import type { KeyScope } from "./key-scope";

import type { AccountStatus, CaptureMode, Role } from "../vocabulary";

export type { AccountStatus, CaptureMode, Role };

/** How the caller proved who they are. */
export type CredentialKind = "key" | "basic" | "body" | "session";

/**
 * Who is calling, as established by authentication and checked by
 * authorization. Set on c.var.principal for every authenticated request; the
 * governance, audit and inference steps read it and nothing else.
 */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  via: CredentialKind;
  /** The API key used, or null for password and session credentials. */
  keyId: string | null;
  /** Effective limits: the owner's, narrowed (never widened) by the key's scope. */
  limits: Limits;
  /** Models that send prompts off the box (`:cloud`) are refused unless allowed: whether `boundaries` has "cloud". */
  allowCloudModels: boolean;
  /**
   * Data boundaries this request may cross: the user's grant (src/governance/boundaries.ts)
   * narrowed by the key's scope. Routing uses only backends whose boundary is in it.
   */
  boundaries: DataBoundary[];
  /** The key's pinned backends (names, in order), or null: any backend the boundaries allow. */
  pinnedBackends: string[] | null;
  /** The user's audit capture mode, or null for the global default. */
  captureMode: CaptureMode | null;
  /** Checked by the authorize middleware: only active accounts get anything. */
  status: AccountStatus;
  /** Until changed, every call but the password change is refused (403 password_change_required). */
  mustChangePassword: boolean;
  /** The key's scope (endpoint groups, source networks), or null: the owner's rights. */
  scope: KeyScope | null;
}
