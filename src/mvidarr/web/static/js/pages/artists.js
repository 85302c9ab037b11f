// Server-rendered list: sorting, filters and pages are links and GET forms; the shell adds the rest.
import { startShell } from "../shell.js";

startShell();
