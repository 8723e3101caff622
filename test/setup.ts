// Every test file runs on the backend bimt would choose (or BIMT_BACKEND), as the CLI does.
import { isBackendName, selectBackend } from '../src/backend.js';

const forced = process.env.BIMT_BACKEND;
await selectBackend(forced && isBackendName(forced) ? forced : undefined);
