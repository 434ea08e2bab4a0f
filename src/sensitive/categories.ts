/**
 * The vocabulary of sensitive data: the built-in categories, what kind each
 * is (personal data or a secret), and the policy actions. Declared once and
 * reused by the detectors, zod schemas, drizzle and the console.
 */

export const personalCategories = ["email", "phone", "payment_card", "iban", "us_ssn", "ip_address"] as const;
export const secretCategories = [
  "private_key", "jwt", "aws_key", "github_token", "gitlab_token", "slack_token", "openai_key", "anthropic_key", "gatehouse_key",
] as const;
export const builtinCategories = [...personalCategories, ...secretCategories] as const;
export type BuiltinCategory = (typeof builtinCategories)[number];

/** Admin-defined patterns are categories named `custom:<name>`. */
export type Category = BuiltinCategory | `custom:${string}`;

export const injectionSignals = ["instruction_override", "role_play", "delimiter", "encoding"] as const;
export type InjectionSignal = (typeof injectionSignals)[number];

export const policyActions = ["observe", "redact", "block"] as const;
export type PolicyAction = (typeof policyActions)[number];

/** Stricter wins when a key narrows its user's policy. */
export const strictness: Record<PolicyAction, number> = { observe: 0, redact: 1, block: 2 };

export function isSecret(category: Category): boolean {
  return (secretCategories as readonly string[]).includes(category);
}

/** The placeholder's tag: `[EMAIL:1a2b3c4d]`, `[CUSTOM_ACME_ID:…]`. */
export function placeholderTag(category: Category): string {
  return category.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}
