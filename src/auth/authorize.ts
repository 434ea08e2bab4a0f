import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { addressInAny } from "./cidr";
import type { KeyEndpointGroup } from "./key-scope";
import type { Principal, Role } from "./principal";

/**
 * Decides whether the authenticated caller may use this route, in this order:
 * the account is active (403 account_pending / account_disabled); its
 * password needs no forced change (403 password_change_required); a key's
 * scope allows this endpoint group and the client's network; model
 * management ("admin" group) is for admins; the route's roles include the
 * caller's. Reads only c.var.principal, which authenticate set from the
 * database on this very request, so a disable or role change applies at once.
 */
export interface AuthorizeOptions {
  /** The endpoint group, checked against a key's scope ("admin" also requires role admin). */
  group: KeyEndpointGroup;
  /** Roles allowed; every role when left out. */
  roles?: readonly Role[];
  /** The one route reachable while a password change is required (changing it). */
  allowPasswordChange?: boolean;
}

export function authorize(options: AuthorizeOptions): MiddlewareHandler<AppEnv> {
  const roles = options.group === "admin" ? ["admin"] : options.roles;
  return async function authorize(c, next) {
    const principal = c.var.principal;
    if (!principal) throw new GatehouseError("unauthenticated");
    assertAccountUsable(principal, options.allowPasswordChange === true);
    assertScopeAllows(principal, options.group, c.var.clientAddress);
    if (roles && !roles.includes(principal.role)) throw new GatehouseError("forbidden");
    await next();
  };
}

export function assertAccountUsable(principal: Pick<Principal, "status" | "mustChangePassword">, allowPasswordChange = false): void {
  if (principal.status === "pending") throw new GatehouseError("account_pending");
  if (principal.status === "disabled") throw new GatehouseError("account_disabled");
  if (principal.mustChangePassword && !allowPasswordChange) throw new GatehouseError("password_change_required");
}

function assertScopeAllows(principal: Principal, group: KeyEndpointGroup, clientAddress: string): void {
  const scope = principal.scope;
  if (!scope) return;
  if (scope.endpoints && !scope.endpoints.includes(group)) {
    throw new GatehouseError("forbidden", { message: "This key may not be used for this endpoint." });
  }
  // The address is the socket's (or a trusted proxy's report), never a client-set header.
  if (scope.sources && !addressInAny(clientAddress, scope.sources)) {
    throw new GatehouseError("forbidden", { message: "This key may not be used from this network." });
  }
}
