// Calendar: server-rendered month of releases; the shell gives it live status and search.
import { startShell } from "../shell.js";

startShell();
