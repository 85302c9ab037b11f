// An error page inside the shell (not found, not allowed).
import { startShell } from "../shell.js";

startShell();
