// Search: results are server-rendered (the form and the pages are plain GETs); the shell adds
// suggestions to the top-bar box.
import { startShell } from "../shell.js";

startShell();
