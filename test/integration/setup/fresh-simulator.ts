import { resetSimulator } from "../helpers/simulator";

// The Ollama simulator is shared by every file of the run (global setup). A file that slows it down or
// makes it fail (streaming.test.ts: 200 chunks 50 ms apart) must not hand that to the next one, where a
// file that never configures it would wait 10 s per chat and time out. Every file starts from its defaults.
await resetSimulator();
