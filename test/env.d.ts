import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** host:port of the second simulator (a backend of the catalog) and of the sentinel one. */
      TEST_SECOND_BOX: string;
      TEST_SENTINEL: string;
    }
  }
}
