import { GatehouseError } from "../errors";

/**
 * The 422 a `block` policy answers with, carrying the categories it names so
 * the refusal's audit record (src/audit/refusals.ts) can name them too.
 * Categories only: the message and the record never hold a matched value.
 */
export class SensitiveDataBlocked extends GatehouseError {
  readonly categories: readonly string[];

  constructor(categories: readonly string[]) {
    super("sensitive_data_blocked", { message: `The request contains ${categories.join(", ")}, which the policy blocks; nothing was sent to the model.` });
    this.categories = [...categories].sort();
  }
}

/** The categories as the audit record keeps them (`email,payment_card`), or null for any other refusal. */
export function blockedCategoriesOf(error: GatehouseError): string | null {
  return error instanceof SensitiveDataBlocked && error.categories.length > 0 ? error.categories.join(",") : null;
}
