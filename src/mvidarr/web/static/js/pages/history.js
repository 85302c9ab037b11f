// Watch history: my plays, continue watching and favourites; totals for admins (all server-rendered).
import { startShell } from "../shell.js";

startShell();
