// Artist detail: its videos are a server-rendered, paginated table; the shell adds the rest.
import { startShell } from "../shell.js";

startShell();
