// Audit log: a server-rendered, filtered and paginated table; the shell gives it live status and search.
import { startShell } from "../shell.js";

startShell();
