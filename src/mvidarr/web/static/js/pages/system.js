// System: health, versions, recent jobs and job types are rendered by the server.
import { startShell } from "../shell.js";

startShell();
