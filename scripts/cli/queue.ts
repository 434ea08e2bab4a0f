import { command, type Command } from "./command";
import { queueAnswer } from "./api-schemas";
import { renderTable } from "./table";

/** queue — who holds the GPU slots and who waits (GET /admin/api/queue). */
export const queueCommand: Command = command(
  { name: "queue", usage: "queue", summary: "requests in flight to Ollama and waiting for a slot, per user" },
  {},
  [],
  async (_, context) => {
    const queue = await context.api().json(queueAnswer, "GET", "/admin/api/queue");
    context.out(`in flight ${queue.inflight}/${queue.maxInflight}   waiting ${queue.waiting}/${queue.maxQueue}`);
    if (queue.users.length > 0) {
      context.out("");
      context.out(
        renderTable(queue.users, [
          { header: "USER", value: (u) => u.username },
          { header: "IN FLIGHT", value: (u) => u.inflight, align: "right" },
          { header: "WAITING", value: (u) => u.waiting, align: "right" },
          { header: "OLDEST WAIT", value: (u) => (u.waiting > 0 ? `${(u.oldestWaitMs / 1000).toFixed(1)} s` : "-"), align: "right" },
        ]),
      );
    }
  },
);
