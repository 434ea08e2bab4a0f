import { isSecret, strictness, type Category, type PolicyAction } from "./categories";

/**
 * Which action applies to a category for one request. Pure.
 *
 * Order: the key's setting (which may only tighten), else the user's, else
 * the global one, else the default: secrets are redacted when the prompt
 * leaves the box (a cloud backend) and observed when it stays local;
 * personal data and admin patterns are observed.
 */

export type Boundary = "local" | "cloud";
export type PolicyMap = Readonly<Record<string, PolicyAction>>;

export interface PolicySet {
  global: PolicyMap;
  user: PolicyMap;
  key: PolicyMap;
}

export const emptyPolicy: PolicySet = { global: {}, user: {}, key: {} };

export function defaultAction(category: Category, boundary: Boundary): PolicyAction {
  return isSecret(category) && boundary === "cloud" ? "redact" : "observe";
}

export function actionFor(category: Category, policy: PolicySet, boundary: Boundary): PolicyAction {
  const base = policy.user[category] ?? policy.global[category] ?? defaultAction(category, boundary);
  const narrowed = policy.key[category];
  return narrowed !== undefined && strictness[narrowed] > strictness[base] ? narrowed : base;
}
